"""Users over the REST API."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.both_databases


def test_create_user_and_log_in_with_the_password(api, client):
    response = api.post("/users", {"fields": {"LOGIN": "ivan", "NAME": "Ivan",
                                              "LAST_NAME": "Petrov", "EMAIL": "ivan@example.com"},
                                   "roles": ["sales", "sales"], "password": "ivan-secret"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "fields", "roles"}
    assert body["fields"] == {"ID": body["id"], "LOGIN": "ivan", "NAME": "Ivan",
                              "LAST_NAME": "Petrov", "EMAIL": "ivan@example.com", "ACTIVE": True}
    assert body["roles"] == ["sales"]
    assert api.get(f"/users/{body['id']}").get_json() == body
    login = client.post("/login", data={"login": "ivan", "password": "ivan-secret"})
    assert login.status_code == 302


def test_list_and_patch_users(api):
    created = api.post("/users", {"fields": {"LOGIN": "lan"}}).get_json()
    listing = api.get("/users").get_json()
    assert listing["total"] == 2
    assert [user["fields"]["LOGIN"] for user in listing["items"]] == ["admin", "lan"]
    patched = api.patch(f"/users/{created['id']}", {"fields": {"NAME": "Lan"},
                                                    "roles": ["support"]}).get_json()
    assert patched["fields"]["NAME"] == "Lan"
    assert patched["roles"] == ["support"]


@pytest.mark.parametrize(("body", "field"), [
    ({"fields": {"NAME": "no login"}}, "LOGIN"),
    ({"fields": {"LOGIN": "x", "EMAIL": "nope"}}, "EMAIL"),
    ({"fields": {"LOGIN": "x", "PHONE": "1"}}, "PHONE"),
    ({"fields": {"LOGIN": "x"}, "password": "short"}, "password"),
    ({"fields": {"LOGIN": "x"}, "roles": "admin"}, "roles"),
])
def test_bad_user_input_is_a_400_naming_the_field(api, body, field):
    response = api.post("/users", body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["message"]


def test_a_login_is_unique(api):
    api.post("/users", {"fields": {"LOGIN": "dup"}})
    response = api.post("/users", {"fields": {"LOGIN": "DUP"}})
    assert response.status_code == 409


def test_unknown_user_is_404(api):
    assert api.get("/users/999999").status_code == 404
    assert api.patch("/users/999999", {"fields": {}}).status_code == 404

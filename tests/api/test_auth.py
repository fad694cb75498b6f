"""Authentication and access: tokens, sessions, 401/403 as JSON, the login page."""

from __future__ import annotations

import pytest

from app.db import transaction
from app.services.users import create_user, issue_token, set_role_automation
from tests.conftest import ADMIN_PASSWORD


@pytest.fixture
def user_token(app) -> str:
    with app.app_context(), transaction(app) as session:
        user = create_user(session, {"LOGIN": "sam", "NAME": "Sam"}, ["sales"], "sam-password")
        return issue_token(session, user, "test")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/leads"), ("POST", "/leads"), ("GET", "/leads/1"), ("PATCH", "/deals/1"),
    ("DELETE", "/contacts/1"), ("GET", "/users"), ("POST", "/users"), ("GET", "/users/1"),
    ("GET", "/document-types"), ("GET", "/document-types/lead/fields"),
    ("POST", "/document-types/lead/fields"), ("GET", "/documents/1/content"),
])
def test_every_endpoint_but_health_needs_authentication(anonymous_api, method, path):
    response = anonymous_api.call(method, path, json={})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_a_wrong_token_is_401(anonymous_api):
    response = anonymous_api.get("/leads", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_a_user_token_works_but_admin_endpoints_are_403(api, user_token):
    headers = {"Authorization": f"Bearer {user_token}"}
    assert api.get("/leads", headers=headers).status_code == 200
    response = api.post("/users", {"fields": {"LOGIN": "x"}}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    created = api.post("/leads", {"fields": {"TITLE": "mine"}}, headers=headers).get_json()
    assert created["fields"]["CREATED_BY_ID"] == created["fields"]["ASSIGNED_BY_ID"]


def test_a_deactivated_user_loses_access(api, user_token):
    users = api.get("/users").get_json()["items"]
    sam = next(user for user in users if user["fields"]["LOGIN"] == "sam")
    api.patch(f"/users/{sam['id']}", {"fields": {"ACTIVE": False}})
    response = api.get("/leads", headers={"Authorization": f"Bearer {user_token}"})
    assert response.status_code == 401


def test_automation_rights_come_from_roles(app):
    from app.models.users import User

    with app.app_context(), transaction(app) as session:
        set_role_automation(session, "sales", {"lead": "update", "deal": "read"})
        user = create_user(session, {"LOGIN": "rita"}, ["sales"])
        session.refresh(user)
        rights = {doc_type: user.automation_right(doc_type)
                  for doc_type in ("lead", "deal", "contact")}
        admin = session.query(User).filter_by(login="admin").one()
        assert admin.automation_right("contact") == "update"
    assert rights == {"lead": "update", "deal": "read", "contact": None}


def test_login_page_starts_a_session_that_the_api_accepts(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert b'name="login"' in page.data and b'name="password"' in page.data
    assert client.get("/").status_code == 302
    wrong = client.post("/login", data={"login": "admin", "password": "wrong"})
    assert wrong.status_code == 401
    response = client.post("/login?next=/", data={"login": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/leads").status_code == 200
    client.get("/logout")
    assert client.get("/api/v1/leads").status_code == 401


def test_login_never_redirects_to_another_site(client):
    response = client.post("/login?next=https://evil.example/",
                           data={"login": "admin", "password": ADMIN_PASSWORD})
    assert response.headers["Location"] == "/"


def test_pages_accept_the_bearer_token(client, admin_headers):
    response = client.get("/", headers=admin_headers)
    assert response.status_code == 200
    assert b"Leads" in response.data


def test_roles_api_sets_automation_rights(api, app):
    from app.models.users import User

    response = api.call("PUT", "/roles/marketing", json={
        "title": "Marketing", "automation": {"lead": "update", "deal": "read"}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"name": "marketing", "title": "Marketing",
                                   "automation": {"lead": "update", "deal": "read"}}
    api.call("PUT", "/roles/marketing", json={"automation": {"deal": None}})
    roles = {role["name"]: role for role in api.get("/roles").get_json()["items"]}
    assert roles["marketing"]["automation"] == {"lead": "update"}
    assert "admin" in roles
    user = api.post("/users", {"fields": {"LOGIN": "mo"}, "roles": ["marketing"]}).get_json()
    with app.app_context(), transaction(app) as session:
        assert session.get(User, user["id"]).automation_right("lead") == "update"
    bad = api.call("PUT", "/roles/marketing", json={"automation": {"lead": "write"}})
    assert bad.status_code == 400


def test_record_list_pages_show_records(api, client, admin_headers):
    api.post("/leads", {"fields": {"TITLE": "Shown <b>escaped</b>", "OPPORTUNITY": 500}})
    page = client.get("/records/lead", headers=admin_headers)
    assert page.status_code == 200
    assert b"Shown &lt;b&gt;escaped&lt;/b&gt;" in page.data
    assert b">500<" in page.data
    assert client.get("/records/invoice", headers=admin_headers).status_code == 404
    assert client.get("/records/lead").status_code == 302

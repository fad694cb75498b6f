"""Records over the REST API: create, read, change, delete, list with filters and pages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.both_databases


def test_health_needs_no_authentication(anonymous_api):
    response = anonymous_api.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_create_lead_returns_the_record_with_coerced_values(api):
    response = api.post("/leads", {"fields": {
        "TITLE": "Spring order", "OPPORTUNITY": "500", "CURRENCY_ID": "EUR",
        "EMAIL": "buyer@example.com", "COMMENTS": None}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "type", "fields", "started_instances"}
    assert body["type"] == "lead"
    assert isinstance(body["started_instances"], list)
    fields = body["fields"]
    assert fields["ID"] == body["id"]
    assert fields["OPPORTUNITY"] == 500
    assert fields["EMAIL"] == [{"VALUE": "buyer@example.com", "VALUE_TYPE": "WORK"}]
    assert fields["CREATED_BY_ID"] == fields["ASSIGNED_BY_ID"] == fields["MODIFY_BY_ID"]
    assert fields["DATE_CREATE"].endswith("+00:00")


def test_get_patch_delete_a_deal(api):
    created = api.post("/deals", {"fields": {"TITLE": "Freight", "OPPORTUNITY": 100}}).get_json()
    path = f"/deals/{created['id']}"
    assert api.get(path).get_json()["fields"]["TITLE"] == "Freight"

    patched = api.patch(path, {"fields": {"OPPORTUNITY": 250.5}})
    assert patched.status_code == 200
    body = patched.get_json()
    assert body["fields"]["OPPORTUNITY"] == 250.5
    assert body["fields"]["TITLE"] == "Freight"       # untouched fields stay
    assert body["started_instances"] == []

    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


def test_a_record_is_only_found_in_its_own_collection(api):
    lead = api.post("/leads", {"fields": {"TITLE": "x"}}).get_json()
    response = api.get(f"/contacts/{lead['id']}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("fields", "field"), [
    ({"NOPE": 1}, "NOPE"),
    ({"OPPORTUNITY": "a lot"}, "OPPORTUNITY"),
    ({"EMAIL": "not an address"}, "EMAIL"),
    ({"CURRENCY_ID": "XXX"}, "CURRENCY_ID"),
    ({"ASSIGNED_BY_ID": 999999}, "ASSIGNED_BY_ID"),
    ({"ID": 5}, "ID"),
])
def test_a_bad_field_is_a_400_naming_the_field(api, fields, field):
    response = api.post("/leads", {"fields": fields})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert field in error["message"]
    assert error["details"][0]["field"] == field


def test_patch_with_a_wrong_type_changes_nothing(api):
    lead = api.post("/leads", {"fields": {"TITLE": "kept", "OPPORTUNITY": 1}}).get_json()
    response = api.patch(f"/leads/{lead['id']}", {"fields": {"TITLE": "new",
                                                             "OPPORTUNITY": [1, 2]}})
    assert response.status_code == 400
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"]["TITLE"] == "kept"


def test_list_filters_by_typed_field_values_and_pages(api):
    for index in range(7):
        api.post("/leads", {"fields": {"TITLE": f"lead {index}", "OPPORTUNITY": index % 2,
                                       "CURRENCY_ID": "USD" if index < 3 else "EUR",
                                       "EMAIL": f"p{index}@example.com"}})
    body = api.get("/leads?CURRENCY_ID=EUR&limit=2&offset=1").get_json()
    assert body["total"] == 4
    assert [item["fields"]["TITLE"] for item in body["items"]] == ["lead 4", "lead 5"]
    ones = api.get("/leads?OPPORTUNITY=1.0").get_json()
    assert ones["total"] == 3
    by_mail = api.get("/leads?EMAIL=p6@example.com").get_json()
    assert [item["fields"]["TITLE"] for item in by_mail["items"]] == ["lead 6"]


@pytest.mark.parametrize("query", ["NOPE=1", "OPPORTUNITY=abc", "limit=0", "limit=x",
                                   "offset=-1"])
def test_bad_list_parameters_are_400(api, query):
    response = api.get(f"/leads?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_body_must_be_a_json_object(api, admin_headers):
    assert api.post("/leads", [1, 2]).status_code == 400
    response = api.client.post("/api/v1/leads", data="{bad", headers={
        **admin_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_json"
    response = api.client.post("/api/v1/leads", data="x=1", headers={
        **admin_headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415


def test_unknown_routes_and_methods_are_json(api):
    assert api.get("/nothing-here").get_json()["error"]["code"] == "not_found"
    response = api.call("PUT", "/leads")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_every_field_of_the_type_is_returned_null_when_unset(api):
    api.post("/document-types/lead/fields", {"code": "UF_NOTE", "type": "string"})
    lead = api.post("/leads", {"fields": {"TITLE": "t"}}).get_json()
    fields = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert fields["COMMENTS"] is None and fields["UF_NOTE"] is None
    assert list(fields)[0] == "ID"
    assert lead["fields"].keys() == fields.keys()


def test_filters_on_booleans_dates_users_and_like_wildcards(api):
    api.post("/deals", {"fields": {"TITLE": "won", "CLOSED": "Y", "CLOSEDATE": "2026-03-01"}})
    api.post("/deals", {"fields": {"TITLE": "open", "CLOSED": False}})

    def titles(query: str) -> list[str]:
        return [item["fields"]["TITLE"] for item in api.get(f"/deals?{query}").get_json()["items"]]

    assert titles("CLOSED=Y") == ["won"]
    assert titles("CLOSED=false") == ["open"]
    assert titles("CLOSEDATE=2026-03-01") == ["won"]
    assert titles("CLOSEDATE=") == ["open"]
    admin_id = api.get("/users").get_json()["items"][0]["id"]
    assert titles(f"ASSIGNED_BY_ID={admin_id}") == ["won", "open"]
    api.post("/contacts", {"fields": {"NAME": "a", "EMAIL": "a_b@example.com"}})
    api.post("/contacts", {"fields": {"NAME": "b", "EMAIL": "axb@example.com"}})
    found = api.get("/contacts?EMAIL=a_b@example.com").get_json()["items"]
    assert [item["fields"]["NAME"] for item in found] == ["a"]


def test_a_record_read_with_get_can_be_sent_back_whole_with_patch(api):
    api.post("/document-types/company/fields", {"code": "UF_SINCE", "type": "datetime"})
    company = api.post("/companies", {"fields": {
        "TITLE": "Round trip", "EMAIL": ["a@example.com"], "PHONE": "+33 1 23 45 67 89",
        "UF_SINCE": "2026-01-02T03:04:05Z", "REVENUE": 1.5}}).get_json()
    fields = api.get(f"/companies/{company['id']}").get_json()["fields"]
    fields["TITLE"] = "Round trip 2"
    response = api.patch(f"/companies/{company['id']}", {"fields": fields})
    assert response.status_code == 200, response.get_json()
    after = response.get_json()["fields"]
    assert after["TITLE"] == "Round trip 2"
    assert {code: after[code] for code in fields if code not in ("TITLE", "DATE_MODIFY")} == \
        {code: fields[code] for code in fields if code not in ("TITLE", "DATE_MODIFY")}

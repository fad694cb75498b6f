"""Document types, their field lists and UF_ custom fields."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.both_databases


def test_document_types_and_standard_fields(api):
    types = api.get("/document-types").get_json()["items"]
    assert [item["id"] for item in types] == ["lead", "contact", "company", "deal", "document"]
    fields = {f["code"]: f for f in api.get("/document-types/deal/fields").get_json()["items"]}
    assert fields["STAGE_ID"]["type"] == "crm_status"
    assert fields["CLOSED"]["type"] == "boolean"
    assert fields["ID"]["read_only"] is True
    assert api.get("/document-types/invoice/fields").status_code == 404


def test_a_custom_field_is_listed_validated_and_filterable(api):
    response = api.post("/document-types/lead/fields", {
        "code": "UF_SIZE", "type": "list", "title": "Size",
        "options": [{"id": "S", "title": "Small"}, {"id": "L", "title": "Large"}]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["custom"] is True
    codes = [f["code"] for f in api.get("/document-types/lead/fields").get_json()["items"]]
    assert "UF_SIZE" in codes

    assert api.post("/leads", {"fields": {"UF_SIZE": "M"}}).status_code == 400
    api.post("/leads", {"fields": {"TITLE": "big", "UF_SIZE": "L"}})
    api.post("/leads", {"fields": {"TITLE": "small", "UF_SIZE": "S"}})
    found = api.get("/leads?UF_SIZE=L").get_json()
    assert [item["fields"]["TITLE"] for item in found["items"]] == ["big"]
    # a custom field of leads does not exist on contacts
    assert api.post("/contacts", {"fields": {"UF_SIZE": "L"}}).status_code == 400


def test_multiple_custom_fields_hold_lists(api):
    api.post("/document-types/contact/fields", {"code": "UF_TAGS", "type": "string",
                                                "title": "Tags", "multiple": True})
    contact = api.post("/contacts", {"fields": {"UF_TAGS": ["vip", "hanoi"]}}).get_json()
    assert contact["fields"]["UF_TAGS"] == ["vip", "hanoi"]
    assert api.get("/contacts?UF_TAGS=hanoi").get_json()["total"] == 1
    assert api.get("/contacts?UF_TAGS=han").get_json()["total"] == 0


@pytest.mark.parametrize("body", [
    {"code": "SIZE", "type": "string"}, {"code": "UF_X", "type": "money"},
    {"code": "UF_X", "type": "list", "options": []}, {"code": "UF_X", "type": "string",
                                                      "multiple": "yes"},
])
def test_bad_custom_field_definitions_are_400(api, body):
    response = api.post("/document-types/lead/fields", body)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_a_custom_field_code_is_unique_per_type(api):
    body = {"code": "UF_X", "type": "string", "title": "X"}
    assert api.post("/document-types/lead/fields", body).status_code == 201
    assert api.post("/document-types/lead/fields", body).status_code == 409
    assert api.post("/document-types/deal/fields", body).status_code == 201

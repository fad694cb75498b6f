"""Templates over the REST API: CRUD, versions, 409 on stale saves, import/export, preview."""

from __future__ import annotations

import io
import json

import pytest


def template(name: str = "Note", **extra) -> dict:
    """A small valid lead template: start -> set COMMENTS -> end."""
    body = {
        "format": "bizflow.template/1", "name": name, "document_type": "lead",
        "auto_start": [],
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "note", "type": "modify_document",
             "properties": {"fields": {"COMMENTS": "seen {=Document:TITLE}"}}},
            {"id": "done", "type": "end"},
        ],
        "edges": [{"from": "start", "to": "note"}, {"from": "note", "to": "done"}],
    }
    body.update(extra)
    return body


def put(api, path, body):
    return api.call("PUT", path, json=body)


@pytest.mark.both_databases
def test_create_get_and_list_a_template(api):
    created = api.post("/templates", template("First"))
    assert created.status_code == 201, created.get_json()
    assert set(created.get_json()) == {"id", "version"}
    template_id = created.get_json()["id"]

    got = api.get(f"/templates/{template_id}").get_json()
    assert got == {"id": template_id, "version": 1, "enabled": True, "template": template("First")}

    items = api.get("/templates").get_json()["items"]
    assert [set(item) for item in items] == [
        {"id", "name", "document_type", "auto_start", "enabled", "version", "updated_at"}]
    assert items[0]["name"] == "First" and items[0]["enabled"] is True


def test_an_invalid_template_is_refused_with_every_error(api):
    bad = template(nodes=[{"id": "start", "type": "start"}, {"id": "lost", "type": "end"}],
                   edges=[{"from": "start", "to": "nowhere"}])
    response = api.post("/templates", bad)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["details"], error
    assert all({"code", "message", "node", "path"} <= set(d) for d in error["details"])
    assert api.get("/templates").get_json()["items"] == []


@pytest.mark.both_databases
def test_saving_makes_a_new_version_and_a_stale_version_is_a_conflict(api):
    template_id = api.post("/templates", template("V1")).get_json()["id"]
    saved = put(api, f"/templates/{template_id}", {"version": 1, "template": template("V2")})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["version"] == 2

    stale = put(api, f"/templates/{template_id}", {"version": 1, "template": template("V3")})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "version_conflict"
    assert api.get(f"/templates/{template_id}").get_json()["template"]["name"] == "V2"

    versions = api.get(f"/templates/{template_id}/versions").get_json()["items"]
    assert [(v["version"], v["template"]["name"]) for v in versions] == [(2, "V2"), (1, "V1")]


def test_put_without_a_version_is_a_clear_400(api):
    template_id = api.post("/templates", template()).get_json()["id"]
    response = put(api, f"/templates/{template_id}", {"template": template()})
    assert response.status_code == 400
    assert "version" in response.get_json()["error"]["message"]


def test_disable_enable_and_delete(api):
    template_id = api.post("/templates", template()).get_json()["id"]
    assert api.patch(f"/templates/{template_id}", {"enabled": False}).get_json()["enabled"] is False
    assert api.get("/templates").get_json()["items"][0]["enabled"] is False
    assert api.patch(f"/templates/{template_id}", {"enabled": "yes"}).status_code == 400
    assert api.delete(f"/templates/{template_id}").status_code == 204
    assert api.get(f"/templates/{template_id}").status_code == 404
    assert api.get("/templates").get_json()["items"] == []


def test_validate_reports_without_saving(api):
    ok = api.post("/templates/validate", template()).get_json()
    assert ok == {"valid": True, "errors": []}
    bad = api.post("/templates/validate", {"format": "bizflow.template/1"}).get_json()
    assert bad["valid"] is False and bad["errors"]
    assert api.get("/templates").get_json()["items"] == []


@pytest.mark.both_databases
def test_export_is_an_attachment_that_imports_back(api):
    template_id = api.post("/templates", template("Round trip")).get_json()["id"]
    exported = api.get(f"/templates/{template_id}/export")
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"].startswith("attachment;")
    assert json.loads(exported.data) == template("Round trip")

    imported = api.post("/templates/import", json.loads(exported.data))
    assert imported.status_code == 201
    new_id = imported.get_json()["id"]
    assert new_id != template_id
    assert api.get(f"/templates/{new_id}").get_json()["enabled"] is True

    upload = api.call("POST", "/templates/import", data={
        "file": (io.BytesIO(exported.data), "flow.json")}, content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()

    broken = api.call("POST", "/templates/import", data={
        "file": (io.BytesIO(b"{not json"), "flow.json")}, content_type="multipart/form-data")
    assert broken.status_code == 400
    assert broken.get_json()["error"]["code"] == "bad_json"


def test_preview_is_the_dry_run_object(api):
    response = api.post("/templates/preview", {
        "template": template(), "document": {"type": "lead", "fields": {"TITLE": "Hello"}}})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["status"] == "completed"
    assert result["changes"] == {"COMMENTS": "seen Hello"}
    assert result["error"] is None
    assert api.get("/leads").get_json()["total"] == 0


def test_gallery_and_block_types_feed_the_designer(api):
    gallery = api.get("/templates/gallery").get_json()["items"]
    assert "assign_responsible" in [item["key"] for item in gallery]
    blocks = {item["type"]: item for item in api.get("/block-types").get_json()["items"]}
    assert {"start", "end", "condition", "modify_document", "email", "set_variable"} <= set(blocks)
    assert blocks["email"]["outputs"] == ["MessageId"]
    assert blocks["email"]["properties_schema"]["type"] == "object"


def test_templates_need_authentication_and_rights(api, anonymous_api):
    assert anonymous_api.get("/templates").status_code == 401
    assert anonymous_api.post("/templates", template()).status_code == 401
    reader = api.post("/users", {"fields": {"LOGIN": "reader", "NAME": "R", "LAST_NAME": "R",
                                            "EMAIL": "reader@example.com"},
                                 "roles": [], "password": "reader-password"})
    assert reader.status_code == 201, reader.get_json()
    template_id = api.post("/templates", template()).get_json()["id"]
    login = api.client.post("/login", data={"login": "reader", "password": "reader-password"})
    assert login.status_code in (200, 302)
    as_reader = api.client.get(f"/api/v1/templates/{template_id}")
    assert as_reader.status_code == 403

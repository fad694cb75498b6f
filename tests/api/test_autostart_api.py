"""Auto-start on create and update, `modified`, no loops, manual start, all-or-nothing steps."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.both_databases


def flow(name: str, auto_start: list[str], nodes: list[dict], document_type: str = "lead",
         **extra) -> dict:
    """A template whose nodes run one after the other: start -> nodes... -> end."""
    chain = [{"id": "start", "type": "start"}, *nodes, {"id": "done", "type": "end"}]
    edges = [{"from": a["id"], "to": b["id"]} for a, b in zip(chain, chain[1:], strict=False)]
    return {"format": "bizflow.template/1", "name": name, "document_type": document_type,
            "auto_start": auto_start, "nodes": chain, "edges": edges, **extra}


def modify(node_id: str, **fields) -> dict:
    return {"id": node_id, "type": "modify_document", "properties": {"fields": fields}}


def create_template(api, body) -> int:
    response = api.post("/templates", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def instances_of(api, template_id: int) -> list[dict]:
    return api.get(f"/instances?template_id={template_id}").get_json()["items"]


def test_a_create_template_runs_when_a_lead_is_created(api):
    template_id = create_template(api, flow("Greet", ["create"], [
        modify("note", COMMENTS="welcome {=Document:TITLE}")]))
    created = api.post("/leads", {"fields": {"TITLE": "Acme"}}).get_json()
    assert len(created["started_instances"]) == 1
    assert created["fields"]["COMMENTS"] == "welcome Acme"

    instance = api.get(f"/instances/{created['started_instances'][0]}").get_json()
    assert instance["status"] == "completed"
    assert instance["template_id"] == template_id and instance["template_version"] == 1
    assert instance["document_type"] == "lead" and instance["document_id"] == created["id"]
    assert [entry["node"] for entry in instance["log"]] == ["start", "note", "done"]
    # An update does not start a create-only template.
    api.patch(f"/leads/{created['id']}", {"fields": {"TITLE": "Acme 2"}})
    assert len(instances_of(api, template_id)) == 1


def test_an_update_template_sees_exactly_the_modified_fields(api):
    template_id = create_template(api, {
        "format": "bizflow.template/1", "name": "Watch amount", "document_type": "lead",
        "auto_start": ["update"],
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "which", "type": "condition", "properties": {"branches": [
                {"id": "amount", "when": {"left": "{=Document:OPPORTUNITY}", "op": "modified"}},
                {"id": "other", "when": None}]}},
            modify("said_amount", COMMENTS="amount changed"),
            modify("said_other", COMMENTS="something else changed"),
        ],
        "edges": [{"from": "start", "to": "which"},
                  {"from": "which", "port": "amount", "to": "said_amount"},
                  {"from": "which", "port": "other", "to": "said_other"}]})
    lead = api.post("/leads", {"fields": {"TITLE": "T", "OPPORTUNITY": 10}}).get_json()
    assert lead["started_instances"] == []
    path = f"/leads/{lead['id']}"

    patched = api.patch(path, {"fields": {"TITLE": "T2"}}).get_json()
    assert len(patched["started_instances"]) == 1
    assert patched["fields"]["COMMENTS"] == "something else changed"

    patched = api.patch(path, {"fields": {"OPPORTUNITY": 20}}).get_json()
    assert patched["fields"]["COMMENTS"] == "amount changed"
    # The process's own COMMENTS change started nothing: one instance per PATCH.
    assert len(instances_of(api, template_id)) == 2
    # A PATCH that changes nothing starts nothing.
    assert api.patch(path, {"fields": {"OPPORTUNITY": 20}}).get_json()["started_instances"] == []


def test_two_update_templates_do_not_restart_each_other(api):
    first = create_template(api, flow("A", ["update"], [modify("a", SOURCE_DESCRIPTION="A")]))
    second = create_template(api, flow("B", ["update"], [modify("b", COMMENTS="B")]))
    lead = api.post("/leads", {"fields": {"TITLE": "loop?"}}).get_json()
    patched = api.patch(f"/leads/{lead['id']}", {"fields": {"TITLE": "go"}}).get_json()
    assert len(patched["started_instances"]) == 2
    assert patched["fields"]["SOURCE_DESCRIPTION"] == "A" and patched["fields"]["COMMENTS"] == "B"
    assert len(instances_of(api, first)) == 1 and len(instances_of(api, second)) == 1


def test_disabled_templates_do_not_start(api):
    template_id = create_template(api, flow("Off", ["create"], [modify("n", COMMENTS="x")]))
    api.patch(f"/templates/{template_id}", {"enabled": False})
    lead = api.post("/leads", {"fields": {"TITLE": "quiet"}}).get_json()
    assert lead["started_instances"] == [] and lead["fields"].get("COMMENTS") is None


def test_a_template_disabled_in_one_app_stops_starting_at_once_in_another(
        api, database_url, tmp_path, admin_headers):
    """Two app processes on one database: nothing cached in the second one may start a
    template the first one has just disabled (or miss one it has just enabled)."""
    from app import create_app
    from app.db import get_engine
    from tests.api.conftest import Api
    from tests.conftest import app_config

    other_app = create_app(app_config(database_url, tmp_path / "other"))
    other = Api(other_app.test_client(), admin_headers)
    try:
        template_id = create_template(api, flow("Toggled", ["create"], [
            modify("n", COMMENTS="started")]))
        lead = other.post("/leads", {"fields": {"TITLE": "on"}}).get_json()
        assert len(lead["started_instances"]) == 1 and lead["fields"]["COMMENTS"] == "started"

        assert api.patch(f"/templates/{template_id}", {"enabled": False}).status_code == 200
        lead = other.post("/leads", {"fields": {"TITLE": "off"}}).get_json()
        assert lead["started_instances"] == [] and lead["fields"].get("COMMENTS") is None

        assert api.patch(f"/templates/{template_id}", {"enabled": True}).status_code == 200
        lead = other.post("/leads", {"fields": {"TITLE": "on again"}}).get_json()
        assert len(lead["started_instances"]) == 1
        assert len(instances_of(api, template_id)) == 2
    finally:
        get_engine(other_app).dispose()


def test_a_document_created_by_a_process_starts_its_own_templates(api):
    create_template(api, flow("Make a deal", ["create"], [
        {"id": "make", "type": "create_document", "properties": {
            "document_type": "deal", "fields": {"TITLE": "From {=Document:TITLE}"}}},
        modify("remember", COMMENTS="deal {=Block:make:DocumentId}")]))
    deal_template = create_template(api, flow("Deal note", ["create"], [
        modify("n", COMMENTS="made by a process")], document_type="deal"))
    lead = api.post("/leads", {"fields": {"TITLE": "Source"}}).get_json()
    deal_id = int(lead["fields"]["COMMENTS"].split()[1])
    deal = api.get(f"/deals/{deal_id}").get_json()
    assert deal["fields"]["TITLE"] == "From Source"
    assert deal["fields"]["COMMENTS"] == "made by a process"
    assert len(instances_of(api, deal_template)) == 1


def test_a_failing_block_leaves_no_partial_change(api):
    template_id = create_template(api, flow("Breaks", ["update"], [
        modify("first", COMMENTS="touched"),
        {"id": "boom", "type": "set_variable", "properties": {"values": {"X": "=1/0"}}}],
        variables=[{"id": "X", "title": "X", "type": "number", "default": None}]))
    lead = api.post("/leads", {"fields": {"TITLE": "safe"}}).get_json()
    patched = api.patch(f"/leads/{lead['id']}", {"fields": {"TITLE": "safe 2"}})
    assert patched.status_code == 200
    body = patched.get_json()
    assert body["fields"]["TITLE"] == "safe 2"          # the user's change is kept
    assert body["fields"].get("COMMENTS") is None       # the failed step's change is not
    (instance,) = instances_of(api, template_id)
    assert instance["status"] == "failed"
    assert instance["error"]["node"] == "boom" and instance["error"]["message"]
    assert api.get(f"/outbox?instance_id={instance['id']}").get_json()["total"] == 0


def test_a_change_the_records_service_refuses_fails_the_instance_only(api):
    create_template(api, flow("Bad user", ["create"], [
        modify("first", COMMENTS="touched"), modify("assign", ASSIGNED_BY_ID=987654)]))
    created = api.post("/leads", {"fields": {"TITLE": "still created"}})
    assert created.status_code == 201
    lead = created.get_json()
    assert lead["fields"].get("COMMENTS") is None
    instance = api.get(f"/instances/{lead['started_instances'][0]}").get_json()
    assert instance["status"] == "failed"
    assert "987654" in instance["error"]["message"]
    assert instance["error"]["node"] == "assign"


def test_manual_start_checks_required_parameters(api):
    template_id = create_template(api, flow("Manual", [], [
        modify("why", COMMENTS="reason: {=Parameter:Reason}")],
        parameters=[{"id": "Reason", "title": "Reason", "type": "string", "required": True,
                     "default": None}]))
    lead = api.post("/leads", {"fields": {"TITLE": "by hand"}}).get_json()
    assert lead["started_instances"] == []

    missing = api.post(f"/templates/{template_id}/start", {"document_id": lead["id"]})
    assert missing.status_code == 400
    assert "Reason" in missing.get_json()["error"]["message"]

    started = api.post(f"/templates/{template_id}/start",
                       {"document_id": lead["id"], "parameters": {"Reason": "asked"}})
    assert started.status_code == 201, started.get_json()
    assert started.get_json()["status"] == "completed"
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"]["COMMENTS"] == "reason: asked"

    unknown = api.post(f"/templates/{template_id}/start", {"document_id": 999999})
    assert unknown.status_code == 404
    wrong = api.post(f"/templates/{template_id}/start", {"document_id": "x"})
    assert wrong.status_code == 400


def test_process_mail_follows_a_changed_or_deactivated_user_at_once(api):
    """Users a process looked up are remembered for a while: a change through the users API
    must still apply to the very next process."""
    user = api.post("/users", {"fields": {"LOGIN": "mia", "EMAIL": "mia@example.com"}}
                    ).get_json()
    create_template(api, flow("Tell", ["create"], [
        {"id": "mail", "type": "email", "properties": {
            "to": ["{=Document:ASSIGNED_BY_ID}"], "subject": "{=Document:TITLE}",
            "body": "yours"}}]))

    def recipients(title: str) -> list:
        lead = api.post("/leads", {"fields": {"TITLE": title, "ASSIGNED_BY_ID": user["id"]}}
                        ).get_json()
        (instance_id,) = lead["started_instances"]
        items = api.get(f"/outbox?instance_id={instance_id}").get_json()["items"]
        return [address for item in items for address in item["payload"]["to"]]

    assert recipients("first") == ["mia@example.com"]
    api.patch(f"/users/{user['id']}", {"fields": {"EMAIL": "mia@new.example.com"}})
    assert recipients("second") == ["mia@new.example.com"]
    api.patch(f"/users/{user['id']}", {"fields": {"ACTIVE": False}})
    assert recipients("third") == []


def test_a_failing_step_leaves_no_document_it_created(api):
    template_id = create_template(api, flow("Make then break", ["create"], [
        {"id": "make", "type": "create_document", "properties": {
            "document_type": "deal", "fields": {"TITLE": "orphan?"}}},
        modify("note", COMMENTS="made {=Block:make:DocumentId}"),
        {"id": "boom", "type": "set_variable", "properties": {"values": {"X": "=1/0"}}}],
        variables=[{"id": "X", "title": "X", "type": "number", "default": None}]))
    created = api.post("/leads", {"fields": {"TITLE": "source"}})
    assert created.status_code == 201
    lead = created.get_json()
    assert lead["fields"]["TITLE"] == "source" and lead["fields"].get("COMMENTS") is None
    assert api.get("/deals").get_json()["total"] == 0
    (instance,) = instances_of(api, template_id)
    assert instance["status"] == "failed" and instance["error"]["node"] == "boom"
    # The failed step's objects are gone from the session too: the next lead works.
    again = api.post("/leads", {"fields": {"TITLE": "second"}}).get_json()
    assert api.get(f"/leads/{again['id']}").get_json()["fields"].get("COMMENTS") is None


def test_a_refused_create_document_fails_its_own_block_or_goes_on_with_on_error(api):
    """The CRM refuses the new deal (no user 999999): the failure is the create_document
    block's; with `on_error: continue` the rest of the step still takes effect."""
    make = {"id": "make", "type": "create_document", "properties": {
        "document_type": "deal", "fields": {"TITLE": "for nobody", "ASSIGNED_BY_ID": 999999}}}
    strict = create_template(api, flow("Strict", ["create"], [make, modify("note", COMMENTS="x")]))
    lead = api.post("/leads", {"fields": {"TITLE": "one"}}).get_json()
    (failed,) = instances_of(api, strict)
    assert failed["status"] == "failed" and failed["error"]["node"] == "make"
    assert "refused" in failed["error"]["message"]
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"].get("COMMENTS") is None
    assert api.patch(f"/templates/{strict}", {"enabled": False}).status_code == 200

    lenient = create_template(api, flow("Lenient", ["create"], [
        {**make, "on_error": "continue"}, modify("note", COMMENTS="went on")]))
    lead = api.post("/leads", {"fields": {"TITLE": "two"}}).get_json()
    assert lead["fields"]["COMMENTS"] == "went on"
    (instance,) = instances_of(api, lenient)
    assert instance["status"] == "completed"
    log = api.get(f"/instances/{instance['id']}").get_json()["log"]
    assert any(entry["node"] == "make" and "refused" in entry["message"] for entry in log)
    assert api.get("/deals").get_json()["total"] == 0

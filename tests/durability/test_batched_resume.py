"""Batched resumes (app.services.resume_batch) write what the one-at-a-time path writes, and
leave anything unusual in a batch to that path."""

from __future__ import annotations

import re
from typing import Any

import pytest
from durable_helpers import fire, later, node, start_on_new_lead, template
from sqlalchemy import select

from app.db import read_transaction
from app.models.processes import OutboxMessage, Wait
from app.services import timers

pytestmark = pytest.mark.both_databases
MOMENT = re.compile(r"\d{4}-\d\d-\d\dT[\d:.+]+")

# Two resumes: the first sets a variable, sends an e-mail and waits again (a new timer wait),
# the second logs and completes.
TWO_PAUSES = template(
    [node("pause", "delay", **{"for": "1h"}),
     node("count", "set_variable", values={"Round": "={=Variable:Round} + 1"}),
     node("mail", "email", to=["someone@example.com"], subject="{=Document:TITLE}",
          body="round {=Variable:Round}"),
     node("again", "delay", **{"for": "2h"}),
     node("note", "log", text="done with {=Document:TITLE}"),
     {"id": "done", "type": "end"}],
    [("start", "pause"), ("pause", "count"), ("count", "mail"), ("mail", "again"),
     ("again", "note"), ("note", "done")],
    variables=[{"id": "Round", "type": "integer", "default": 0}])


def outcome(app: Any, api: Any, instance_id: int) -> dict[str, Any]:
    """Everything a resume writes, without the ids that differ between two instances and
    the moments (each step runs at the real time)."""
    instance = api.ok("GET", f"/instances/{instance_id}")
    with read_transaction(app) as session:
        waits = [(w.token, w.node, w.kind, w.state, w.response, w.due_at is not None,
                  w.answered_at is not None) for w in session.scalars(
                      select(Wait).where(Wait.instance_id == instance_id).order_by(Wait.id))]
        mails = [(m.kind, m.idempotency_key.split(":", 1)[1], m.state,
                  {k: v for k, v in m.payload.items() if k != "message_id"})
                 for m in session.scalars(select(OutboxMessage).where(
                     OutboxMessage.instance_id == instance_id).order_by(OutboxMessage.id))]
    return {"status": instance["status"], "current_nodes": instance["current_nodes"],
            "variables": instance["variables"], "error": instance["error"],
            "finished": instance["finished_at"] is not None,
            "log": [{**entry, "at": None, "message": MOMENT.sub("<moment>", entry["message"])}
                    for entry in instance["log"]], "waits": waits,
            "mails": mails}


def open_wait(app: Any, instance_id: int) -> int:
    with read_transaction(app) as session:
        return session.scalar(select(Wait.id).where(Wait.instance_id == instance_id,
                                                    Wait.state == "open"))


def test_a_batch_writes_what_one_at_a_time_writes(app, api):
    alone = start_on_new_lead(api, TWO_PAUSES, {"TITLE": "Same"})["id"]
    batched = [start_on_new_lead(api, TWO_PAUSES, {"TITLE": "Same"})["id"] for _ in range(3)]
    for moment in (later(3700), later(11000)):
        assert timers.fire_one(app, open_wait(app, alone), moment) == 1
        assert fire(app, moment) == 3
    expected = outcome(app, api, alone)
    assert expected["status"] == "completed" and expected["variables"] == {"Round": 1}
    assert [m[1] for m in expected["mails"]] == ["2:0"]   # step 2, first message
    assert [w[3] for w in expected["waits"]] == ["answered", "answered"]
    for instance_id in batched:
        assert outcome(app, api, instance_id) == expected


def test_unusual_steps_in_a_batch_go_one_at_a_time(app, api):
    plain = [start_on_new_lead(api, TWO_PAUSES)["id"] for _ in range(2)]
    changing = start_on_new_lead(api, template(
        [node("pause", "delay", **{"for": "1h"}),
         node("mark", "modify_document", fields={"COMMENTS": "marked"})],
        [("start", "pause"), ("pause", "mark")]), {"TITLE": "Changed"})
    deleted = start_on_new_lead(api, template(
        [node("pause", "delay", **{"for": "1h"}), node("note", "log", text="never")],
        [("start", "pause"), ("pause", "note")]))
    both = start_on_new_lead(api, template(   # two timers of one instance due together
        [node("split", "parallel", branches=[{"id": "a"}, {"id": "b"}]),
         node("one", "delay", **{"for": "1h"}), node("two", "delay", **{"for": "1h"}),
         node("join", "join"), node("after", "log", text="joined")],
        [("start", "split"), ("split", "a", "one"), ("split", "b", "two"),
         ("one", "join"), ("two", "join"), ("join", "after")]))
    # Last: SQLite gives a new row the id of the last one deleted.
    api.ok("DELETE", f"/leads/{deleted['document_id']}")
    assert fire(app, later(3700)) == 6
    for instance_id in plain:
        assert api.ok("GET", f"/instances/{instance_id}")["current_nodes"] == ["again"]
    marked = api.ok("GET", f"/instances/{changing['id']}")
    assert marked["status"] == "completed"
    lead = api.ok("GET", f"/leads/{changing['document_id']}")
    assert lead["fields"]["COMMENTS"] == "marked"
    failed = api.ok("GET", f"/instances/{deleted['id']}")
    assert failed["status"] == "failed" and "deleted" in failed["error"]["message"]
    joined = api.ok("GET", f"/instances/{both['id']}")
    assert joined["status"] == "completed"
    assert [entry["node"] for entry in joined["log"]].count("after") == 1


def test_a_child_completed_in_a_batch_wakes_its_parent(app, api):
    child_id = api.ok("POST", "/templates", template(
        [node("pause", "delay", **{"for": "1h"}), node("note", "log", text="child done")],
        [("start", "pause"), ("pause", "note")], name="Child"))["id"]
    parent = start_on_new_lead(api, template(
        [node("run", "start_process", template_id=child_id, wait=True),
         node("after", "log", text="parent done")],
        [("start", "run"), ("run", "after")], name="Parent"))
    assert parent["status"] == "waiting"
    assert fire(app, later(3700)) == 2   # the child by the batch path, then its parent
    done = api.ok("GET", f"/instances/{parent['id']}")
    assert done["status"] == "completed"
    assert [entry["node"] for entry in done["log"]].count("after") == 1


def test_the_batch_takes_plain_timers_and_leaves_the_others(app, api):
    from app.db import transaction
    from app.services import resume_batch

    plain = start_on_new_lead(api, TWO_PAUSES)["id"]
    changing = start_on_new_lead(api, template(
        [node("pause", "delay", **{"for": "1h"}),
         node("mark", "modify_document", fields={"COMMENTS": "marked"})],
        [("start", "pause"), ("pause", "mark")]))["id"]
    waits = {open_wait(app, plain): plain, open_wait(app, changing): changing}
    with transaction(app) as session:
        claimed = timers.claim_due_waits(session, later(3700), 10)
        assert sorted(claimed) == sorted(waits.items())
        done = resume_batch.fire_batch(session, claimed, later(3700))
    assert [event["id"] for event in done.events] == [plain]
    assert done.rest == [open_wait(app, changing)] and done.messages == 1
    assert api.ok("GET", f"/instances/{plain}")["current_nodes"] == ["again"]
    assert api.ok("GET", f"/instances/{changing}")["status"] == "waiting"


def test_a_batched_step_reaches_the_browsers_watching_its_instance(app, api):
    from app.realtime import socketio_of
    from tests.conftest import ADMIN_PASSWORD

    instance = start_on_new_lead(api, TWO_PAUSES)
    browser = app.test_client()
    browser.post("/login", data={"login": "admin", "password": ADMIN_PASSWORD})
    socket = socketio_of(app).test_client(app, flask_test_client=browser)
    try:
        assert socket.emit("watch_instance", {"id": instance["id"]}, callback=True) == \
            {"ok": True}
        socket.get_received()
        assert fire(app, later(3700)) == 1   # outside any app context, like a script
        updates = [event["args"][0] for event in socket.get_received()
                   if event["name"] == "instance"]
        assert [(u["id"], u["status"], u["current_nodes"]) for u in updates] == [
            (instance["id"], "waiting", ["again"])]
    finally:
        socket.disconnect()

"""Delay blocks: a timer fires once when due, not before, and never after the instance ended."""

from __future__ import annotations

from durable_helpers import fire, later, node, start_on_new_lead, template
from sqlalchemy import select

from app.db import read_transaction
from app.models.processes import Wait

DELAY_THEN_LOG = template(
    [node("pause", "delay", **{"for": "1h"}), node("note", "log", text="after the pause"),
     {"id": "done", "type": "end"}],
    [("start", "pause"), ("pause", "note"), ("note", "done")])


def test_a_delay_waits_until_due_and_then_completes(app, api):
    instance = start_on_new_lead(api, DELAY_THEN_LOG)
    assert instance["status"] == "waiting"
    assert instance["current_nodes"] == ["pause"]
    assert fire(app, later(60)) == 0
    assert api.ok("GET", f"/instances/{instance['id']}")["status"] == "waiting"
    assert fire(app, later(3601)) == 1
    done = api.ok("GET", f"/instances/{instance['id']}")
    assert done["status"] == "completed"
    assert [entry["node"] for entry in done["log"]].count("note") == 1


def test_a_due_timer_fires_exactly_once_when_asked_twice(app, api):
    instance = start_on_new_lead(api, DELAY_THEN_LOG)
    assert fire(app, later(3601)) == 1
    assert fire(app, later(3602)) == 0
    log = api.ok("GET", f"/instances/{instance['id']}")["log"]
    assert [entry["node"] for entry in log].count("note") == 1


def test_terminating_an_instance_cancels_its_timer(app, api):
    instance = start_on_new_lead(api, DELAY_THEN_LOG)
    api.ok("POST", f"/instances/{instance['id']}/terminate")
    assert fire(app, later(7200)) == 0
    with read_transaction(app) as session:
        states = session.scalars(select(Wait.state).where(
            Wait.instance_id == instance["id"])).all()
    assert states == ["cancelled"]
    assert api.ok("GET", f"/instances/{instance['id']}")["status"] == "terminated"


def test_the_waits_endpoint_says_why_and_until_when(app, api):
    instance = start_on_new_lead(api, DELAY_THEN_LOG)
    waits = api.ok("GET", f"/waits?instance_id={instance['id']}")["items"]
    assert len(waits) == 1
    assert waits[0]["kind"] == "timer"
    assert waits[0]["until"] and waits[0]["why"].startswith("pause until")

"""Invoices and quotes of a deal: the API, the create-from-source robot, invoice.paid, access."""

from __future__ import annotations

import pytest
from automation_api import create, history_of, put_robots, stage_of
from test_access import user_api


def _deal(api, **fields):
    return create(api, "deals", TITLE="Big sale", OPPORTUNITY=1200.5, CURRENCY_ID="EUR",
                  **fields)


@pytest.mark.both_databases
def test_invoice_api_defaults_to_the_deal_and_checks_every_value(api, app):
    deal = _deal(api)
    base = f"/deals/{deal['id']}/invoices"
    created = api.post(base, {})
    assert created.status_code == 201, created.get_json()
    invoice = created.get_json()
    assert (invoice["kind"], invoice["status"], invoice["amount"], invoice["currency"]) == \
        ("invoice", "draft", 1200.5, "EUR")
    assert invoice["number"] == f"INV-{invoice['id']:05d}"
    assert invoice["title"] == "Invoice: Big sale" and invoice["paid_at"] is None
    changed = api.patch(f"{base}/{invoice['id']}", {"amount": "99.99", "status": "sent",
                                                     "title": "Deposit"}).get_json()
    assert (changed["amount"], changed["status"], changed["title"]) == (99.99, "sent", "Deposit")
    assert api.get(base).get_json()["items"] == [changed]
    assert api.get(f"{base}/{invoice['id']}").get_json() == changed
    for body, field in [({"amount": -1}, "amount"), ({"amount": "lots"}, "amount"),
                        ({"amount": 1e20}, "amount"), ({"currency": "XXX"}, "currency"),
                        ({"status": "accepted"}, "status"), ({"status": "paid"}, "status"),
                        ({"title": 5}, "title"), ({"colour": "red"}, "colour")]:
        response = api.post(base, body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["details"][0]["field"] == field
    assert api.post(base, ["not", "an object"]).status_code == 400
    assert len(api.get(base).get_json()["items"]) == 1
    assert any("INV-" in item["message"] for item in history_of(app, "deal", deal["id"]))


def test_quotes_have_their_own_statuses_and_are_not_invoices(api):
    deal = _deal(api)
    quote = api.post(f"/deals/{deal['id']}/quotes", {"title": "Offer", "amount": 10}).get_json()
    assert quote["kind"] == "quote" and quote["number"].startswith("Q-")
    accepted = api.patch(f"/deals/{deal['id']}/quotes/{quote['id']}", {"status": "accepted"})
    assert accepted.get_json()["status"] == "accepted"
    assert api.patch(f"/deals/{deal['id']}/quotes/{quote['id']}",
                     {"status": "paid"}).status_code == 400
    assert api.get(f"/deals/{deal['id']}/invoices/{quote['id']}").status_code == 404
    assert api.post(f"/deals/{deal['id']}/invoices/{quote['id']}/pay").status_code == 404
    assert api.get(f"/deals/{deal['id']}/invoices").get_json()["items"] == []


@pytest.mark.both_databases
def test_paying_an_invoice_fires_invoice_paid_and_moves_the_deal(api, app):
    trigger = api.post("/automation/deal/triggers", {"event": "invoice.paid",
                                                     "stage_id": "EXECUTING"}).get_json()
    deal = _deal(api, STAGE_ID="PREPAYMENT_INVOICE")
    invoice = api.post(f"/deals/{deal['id']}/invoices", {"status": "sent"}).get_json()
    paid = api.post(f"/deals/{deal['id']}/invoices/{invoice['id']}/pay")
    assert paid.status_code == 200, paid.get_json()
    body = paid.get_json()
    assert body["status"] == "paid" and body["paid_at"]
    assert body["trigger"] == {"moved": True, "from": "PREPAYMENT_INVOICE", "to": "EXECUTING",
                               "trigger_id": trigger["id"]}
    assert stage_of(api, "deals", deal["id"], "STAGE_ID") == "EXECUTING"
    history = history_of(app, "deal", deal["id"])
    assert any(i["kind"] == "invoice_paid" for i in history)
    assert any(i["kind"] == "stage_change" and i["trigger_id"] == trigger["id"] for i in history)
    # Paid is final: no second payment, no changes.
    assert api.post(f"/deals/{deal['id']}/invoices/{invoice['id']}/pay").status_code == 409
    assert api.patch(f"/deals/{deal['id']}/invoices/{invoice['id']}",
                     {"amount": 1}).status_code == 409


def test_a_cancelled_invoice_cannot_be_paid_and_nothing_moves(api):
    api.post("/automation/deal/triggers", {"event": "invoice.paid", "stage_id": "WON"})
    deal = _deal(api)
    invoice = api.post(f"/deals/{deal['id']}/invoices", {"status": "cancelled"}).get_json()
    response = api.post(f"/deals/{deal['id']}/invoices/{invoice['id']}/pay")
    assert response.status_code == 409
    assert "cancelled" in response.get_json()["error"]["message"]
    assert stage_of(api, "deals", deal["id"], "STAGE_ID") == "NEW"


def test_create_from_source_robot_adds_an_invoice_or_a_quote_to_the_deal(api, app):
    put_robots(api, "deal", "PREPARATION", [
        {"type": "create_from_source", "properties": {"target": "invoice"}},
        {"type": "create_from_source", "properties": {
            "target": "quote", "fields": {"TITLE": "Quote for {=Document:TITLE}",
                                          "OPPORTUNITY": 99}}}])
    deal = _deal(api, STAGE_ID="PREPARATION")
    (invoice,) = api.get(f"/deals/{deal['id']}/invoices").get_json()["items"]
    assert (invoice["amount"], invoice["currency"], invoice["title"]) == \
        (1200.5, "EUR", "Invoice: Big sale")
    (quote,) = api.get(f"/deals/{deal['id']}/quotes").get_json()["items"]
    assert (quote["amount"], quote["title"]) == (99, "Quote for Big sale")
    assert api.get("/documents").get_json()["total"] == 0   # no library document any more
    bad = api.put("/automation/deal/stages/NEW/robots", {"version": 0, "robots": [
        {"id": "x", "type": "create_from_source", "properties": {"target": "contact"}}]})
    assert bad.status_code == 400
    assert bad.get_json()["error"]["details"][0]["field"] == "properties.target"


def test_an_invoice_robot_that_fails_leaves_its_siblings_alone(api, app):
    put_robots(api, "deal", "PREPARATION", [
        {"id": "Inv", "title": "Invoice from title", "type": "create_from_source",
         "properties": {"target": "invoice", "fields": {"OPPORTUNITY": "{=Document:TITLE}"}}},
        {"type": "modify_fields", "properties": {"fields": {"COMMENTS": "kept"}}}])
    deal = _deal(api, STAGE_ID="PREPARATION")
    assert api.get(f"/deals/{deal['id']}/invoices").get_json()["items"] == []
    assert api.get(f"/deals/{deal['id']}").get_json()["fields"]["COMMENTS"] == "kept"
    failures = [i for i in history_of(app, "deal", deal["id"]) if i["kind"] == "robot_failed"]
    assert failures and failures[0]["message"].startswith("robot Invoice from title failed")


def test_invoices_need_a_login_and_live_under_their_own_deal(app, client, api, anonymous_api):
    deal, other = _deal(api), _deal(api)
    invoice = api.post(f"/deals/{deal['id']}/invoices", {}).get_json()
    path = f"/deals/{deal['id']}/invoices"
    assert anonymous_api.get(path).status_code == 401
    assert anonymous_api.post(path, {}).status_code == 401
    assert anonymous_api.get(f"{path}/{invoice['id']}").status_code == 401
    assert anonymous_api.post(f"{path}/{invoice['id']}/pay").status_code == 401
    assert api.get(f"/deals/{other['id']}/invoices/{invoice['id']}").status_code == 404
    assert api.post(f"/deals/{other['id']}/invoices/{invoice['id']}/pay").status_code == 404
    lead = create(api, "leads", TITLE="Not a deal")
    assert api.get(f"/deals/{lead['id']}/invoices").status_code == 404
    # Like the deal itself, its invoices are open to every signed-in user (no automation
    # right is needed to bill a customer); paying still runs the deal's triggers.
    clerk = user_api(app, client, api, "clerk", "clerks", {})
    assert clerk.post(f"{path}/{invoice['id']}/pay").status_code == 200


@pytest.mark.both_databases
def test_deleting_a_deal_deletes_its_invoices(api, app):
    from sqlalchemy import func, select

    from app.db import read_transaction
    from app.models.invoices import Invoice

    deal = _deal(api)
    api.post(f"/deals/{deal['id']}/invoices", {})
    api.post(f"/deals/{deal['id']}/quotes", {})
    assert api.delete(f"/deals/{deal['id']}").status_code == 204
    with app.app_context(), read_transaction(app) as session:
        assert session.scalar(select(func.count()).select_from(Invoice)) == 0
    assert api.get(f"/deals/{deal['id']}/invoices").status_code == 404

"""The seeds' flowchart drawn from an empty canvas with the mouse, configured through the
forms, saved with Ctrl+S, then run for real: a new lead is assigned and the manager e-mailed."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import screenshot
from tests.browser.designer_page import DesignerPage

pytestmark = pytest.mark.browser


def make_manager(live_server, login: str) -> int:
    status, body = live_server.api("POST", "/users", {
        "fields": {"LOGIN": login, "NAME": login.title(), "LAST_NAME": "Manager",
                   "EMAIL": f"{login}@example.com"}, "roles": [], "password": "manager-password"})
    assert status == 201, body
    return body["id"]


def test_draw_the_seeds_flowchart_save_and_a_new_lead_is_assigned_and_mailed(
        page, live_server, smtp_sink):
    euro, big, small = (make_manager(live_server, name) for name in ("euro", "big", "small"))
    d = DesignerPage(page).open_new("lead")

    # Settings: name, auto-start on create, the three managers as constants.
    d.toolbar("settings")
    settings = page.locator('dialog[data-dialog="settings"]')
    settings.locator('[name="name"]').fill("Assign responsible person")
    settings.locator('[name="auto_start/create"]').check()
    for i, (cid, user) in enumerate((("EuroManager", euro), ("BigDealManager", big),
                                     ("SmallDealManager", small))):
        settings.locator('[data-prop="constants"] [data-action="add-item"]').click()
        settings.locator(f'[name="constants/{i}/id"]').fill(cid)
        settings.locator(f'[name="constants/{i}/title"]').fill(cid)
        settings.locator(f'[name="constants/{i}/type"]').select_option('"user"')
        settings.locator(f'[name="constants/{i}/value"]').fill(str(user))
    d.apply(settings)

    # Blocks, dropped where the seeds' screenshot has them.
    is_euro = d.drag_block("condition", 400, 240)
    to_euro = d.drag_block("modify_document", 650, 110)
    is_big = d.drag_block("condition", 650, 390)
    to_big = d.drag_block("modify_document", 900, 330)
    to_small = d.drag_block("modify_document", 900, 490)
    mail = d.drag_block("email", 1150, 240)
    assert d.node_ids() and set(d.node_ids()) >= {"start", is_euro, to_euro, is_big, mail}

    # Configure the conditions (before connecting: their branch ports come from the form).
    for node, title, (yes_id, yes_title), clause, (no_id, no_title) in (
        (is_euro, "Paid in euro?", ("euro", "Euro"),
         ("CURRENCY", "{=Document:CURRENCY_ID}", "=", "EUR"), ("other", "Other currency")),
        (is_big, "More than 500?", ("big", "More than 500"),
         ("OPPORTUNITY", "{=Document:OPPORTUNITY}", ">", "500"), ("small", "500 or less")),
    ):
        form = d.configure(node)
        form.locator('[name="title"]').fill(title)
        form.locator('[name="properties/branches/0/id"]').fill(yes_id)
        form.locator('[name="properties/branches/0/title"]').fill(yes_title)
        first_branch = form.locator('[data-prop="branches"] .bf-array-item').first
        first_branch.locator('[data-action="add-clause"]').click()
        search, ref, op, right = clause
        d.pick(form, "properties/branches/0/when/0/left", search, ref)
        form.locator('[name="properties/branches/0/when/0/op"]').select_option(op)
        form.locator('[name="properties/branches/0/when/0/right"]').fill(right)
        form.locator('[name="properties/branches/1/id"]').fill(no_id)
        form.locator('[name="properties/branches/1/title"]').fill(no_title)
        assert form.locator('[name="properties/branches/1/when/none"]').is_checked()
        if node == is_euro:
            screenshot(page, "properties-condition")
        d.apply(form)

    for node, title, constant in ((to_euro, "Euro manager", "EuroManager"),
                                  (to_big, "Big-deal manager", "BigDealManager"),
                                  (to_small, "Small-deal manager", "SmallDealManager")):
        form = d.configure(node)
        form.locator('[name="title"]').fill(title)
        form.locator('[name="properties/fields/key"]').select_option("ASSIGNED_BY_ID")
        d.pick(form, "properties/fields/ASSIGNED_BY_ID", constant, f"{{=Constant:{constant}}}")
        d.apply(form)

    form = d.configure(mail)
    form.locator('[name="title"]').fill("Tell the manager")
    assert form.locator('[name="properties/to/0"]').input_value() == "{=Document:ASSIGNED_BY_ID}"
    form.locator('[name="properties/to/0"]').fill("")  # a new e-mail goes to the responsible person
    d.pick(form, "properties/to/0", "responsible", "{=Document:ASSIGNED_BY_ID}")
    form.locator('[name="properties/subject"]').fill("New lead: ")
    d.pick(form, "properties/subject", "TITLE", "{=Document:TITLE}")
    form.locator('[name="properties/body"]').fill("Amount ")
    d.pick(form, "properties/body", "OPPORTUNITY", "{=Document:OPPORTUNITY}")
    d.apply(form)

    # Connect: output port -> input port, with the mouse.
    d.connect("start", "next", is_euro)
    d.connect(is_euro, "euro", to_euro)
    d.connect(is_euro, "other", is_big)
    d.connect(is_big, "big", to_big)
    d.connect(is_big, "small", to_small)
    for source in (to_euro, to_big, to_small):
        d.connect(source, "next", mail)
    assert d.edges() == {("start", "next", is_euro), (is_euro, "euro", to_euro),
                         (is_euro, "other", is_big), (is_big, "big", to_big),
                         (is_big, "small", to_small), (to_euro, "next", mail),
                         (to_big, "next", mail), (to_small, "next", mail)}
    screenshot(page, "canvas-seeds-flowchart")

    d.save()
    template_id = d.template_id()
    status, saved = live_server.api("GET", f"/templates/{template_id}")
    assert status == 200 and saved["enabled"] is True
    assert saved["template"]["auto_start"] == ["create"]
    nodes = {n["id"]: n for n in saved["template"]["nodes"]}
    branches = nodes[is_euro]["properties"]["branches"]
    assert branches[0]["when"] == {
        "all": [{"left": "{=Document:CURRENCY_ID}", "op": "=", "right": "EUR"}]}
    assert nodes[to_euro]["properties"]["fields"] == {"ASSIGNED_BY_ID": "{=Constant:EuroManager}"}
    # The amount was typed into a number input (OPPORTUNITY is a number field): saved as 500.
    assert nodes[is_big]["properties"]["branches"][0]["when"] == {
        "all": [{"left": "{=Document:OPPORTUNITY}", "op": ">", "right": 500}]}
    assert branches[1]["when"] is None

    # The process runs for real on a new lead.
    status, lead = live_server.api("POST", "/leads", {"fields": {
        "TITLE": "Website order", "CURRENCY_ID": "EUR", "OPPORTUNITY": 800}})
    assert status == 201, lead
    assert lead["started_instances"], "the saved template did not auto-start"
    _, record = live_server.api("GET", f"/leads/{lead['id']}")
    assert record["fields"]["ASSIGNED_BY_ID"] == euro
    deadline = time.monotonic() + 10
    while not smtp_sink.to("euro@example.com") and time.monotonic() < deadline:
        time.sleep(0.1)
    messages = smtp_sink.to("euro@example.com")
    assert messages, "the e-mail did not reach the SMTP server"
    assert messages[0]["Subject"] == "New lead: Website order"

"""Checking and trying a template in the designer: validation with highlighted blocks, the test
run drawn on the canvas, import and export of the JSON file, and the save conflict (409)."""

from __future__ import annotations

import copy
import json

import pytest

from templates_bp import list_builtin_templates
from tests.browser.conftest import screenshot
from tests.browser.designer_page import DesignerPage

pytestmark = pytest.mark.browser


def seeds_template() -> dict:
    return next(t["template"] for t in list_builtin_templates() if t["key"] == "assign_responsible")


def create(live_server, template: dict) -> int:
    status, body = live_server.api("POST", "/templates", template)
    assert status == 201, body
    return body["id"]


def test_check_lists_the_errors_and_highlights_the_broken_blocks(page, live_server):
    template = copy.deepcopy(seeds_template())
    template["nodes"].append({"id": "orphan", "type": "log", "title": "Nobody reaches me",
                              "position": {"x": 240, "y": 480}})
    template["name"] = "Broken on purpose"
    d = DesignerPage(page)
    page.goto("/designer/new?document_type=lead")
    d.wait_ready()
    page.locator(".bf-import-file").set_input_files(files=[{
        "name": "broken.json", "mimeType": "application/json",
        "buffer": json.dumps(template).encode()}])
    page.wait_for_selector('[data-node-id="orphan"]')
    page.wait_for_selector('[data-node-id="orphan"].bf-error')
    assert page.locator('[data-error-node="orphan"]').count() >= 1
    assert page.locator(".djs-element.bf-error").count() == 1
    screenshot(page, "validation-errors")

    # Fixing it (deleting the block) and checking again clears the marks.
    d.node("orphan").click()
    page.keyboard.press("Delete")
    d.toolbar("validate")
    page.wait_for_selector('[data-validation="valid"]')
    assert page.locator(".djs-element.bf-error").count() == 0


def test_save_refuses_an_invalid_template_and_names_the_problem(page):
    d = DesignerPage(page).open_new("lead")
    block = d.drag_block("modify_document", 420, 240)
    d.connect("start", "next", block)
    form = d.configure(block)
    form.locator('[name="properties/fields/key"]').select_option("TITLE")
    form.locator('[name="properties/fields/TITLE"]').fill("{=Variable:Missing}")
    d.apply(form)
    d.focus_canvas()
    page.keyboard.press("Control+s")
    page.wait_for_selector(f'[data-node-id="{block}"].bf-error')
    assert page.get_attribute("#designer", "data-template-id") == ""
    assert "Missing" in page.locator(".bf-results").text_content()


def test_test_run_draws_the_path_and_shows_changes_mail_and_log(page, live_server):
    template_id = create(live_server, seeds_template())
    d = DesignerPage(page).open(template_id)
    d.toolbar("test-run")
    dialog = page.locator('dialog[data-dialog="test-run"]')
    dialog.locator('[name="document/CURRENCY_ID"]').fill("EUR")
    dialog.locator('[name="document/OPPORTUNITY"]').fill("1000")
    dialog.locator('[data-button="run"]').click()
    page.wait_for_selector('[data-run-status="completed"]')
    for node in ("start", "is_euro", "to_euro", "mail", "done"):
        assert "bf-taken" in d.node(node).get_attribute("class"), node
    for node in ("is_big", "to_big", "to_small"):
        assert "bf-taken" not in d.node(node).get_attribute("class"), node
    taken_edge = page.locator('[data-edge-from="is_euro"][data-edge-port="euro"]')
    assert "bf-taken" in taken_edge.get_attribute("class")
    assert "ASSIGNED_BY_ID" in page.locator("[data-run-changes]").text_content()
    assert page.locator("[data-run-email]").count() == 1
    assert "New lead" in page.locator("[data-run-email]").text_content()
    assert page.locator("[data-log] tr").count() >= 5
    screenshot(page, "test-run")


def test_import_lays_out_a_file_without_positions_and_export_gives_the_same_json(page, tmp_path):
    template = copy.deepcopy(seeds_template())
    for node in template["nodes"]:
        node.pop("position", None)
    source = tmp_path / "assign.json"
    source.write_text(json.dumps(template))
    d = DesignerPage(page).open_new("lead")
    page.locator(".bf-import-file").set_input_files(str(source))
    page.wait_for_selector('[data-node-id="mail"]')
    assert page.locator('[data-validation="valid"]').count() == 1
    assert len(d.edges()) == len(template["edges"])

    with page.expect_download() as download:
        d.toolbar("export")
    exported = json.loads(download.value.path().read_text())
    assert download.value.suggested_filename == "assign-responsible-person.json"
    assert all("position" in node for node in exported["nodes"])
    for node in exported["nodes"]:
        node.pop("position")
    assert exported == template


def test_a_stale_save_says_someone_else_saved_and_reloads_their_version(page, live_server):
    template = seeds_template()
    template_id = create(live_server, template)
    d = DesignerPage(page).open(template_id)
    form = d.configure("mail")
    form.locator('[name="title"]').fill("My unsaved title")
    d.apply(form)

    theirs = copy.deepcopy(template)
    theirs["name"] = "Changed by a colleague"
    status, body = live_server.api("PUT", f"/templates/{template_id}",
                                   {"version": 1, "template": theirs})
    assert status == 200, body

    d.focus_canvas()
    page.keyboard.press("Control+s")
    confirm = page.locator('dialog[data-dialog="confirm"]')
    confirm.wait_for()
    assert "someone else" in confirm.text_content().lower()
    confirm.locator('[data-button="ok"]').click()
    page.wait_for_function(
        "document.querySelector('.bf-name').textContent === 'Changed by a colleague'")
    assert d.node("mail").locator(".bf-title").text_content() == "Tell the manager"
    assert page.get_attribute("#designer", "data-dirty") == "false"

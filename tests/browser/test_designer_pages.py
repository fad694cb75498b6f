"""The template list (enable/disable, delete, gallery copy, import) and the live run view."""

from __future__ import annotations

import json
import time

import pytest

from templates_bp import list_builtin_templates
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_gallery_copy_enable_disable_and_delete_from_the_list(page, live_server):
    page.goto("/designer/")
    page.wait_for_selector("#template-list[data-ready=true]")
    keys = [t["key"] for t in list_builtin_templates()]
    assert page.locator("[data-gallery-key]").count() == len(keys)
    screenshot(page, "template-list")

    page.locator('[data-gallery-key="assign_responsible"] [data-action="copy"]').click()
    page.wait_for_url("**/designer/*")
    page.wait_for_selector("#designer[data-ready=true]")
    template_id = int(page.get_attribute("#designer", "data-template-id"))
    assert page.locator('[data-node-id="is_euro"] [data-port="euro"]').count() == 1
    screenshot(page, "canvas-gallery-copy")
    _, saved = live_server.api("GET", f"/templates/{template_id}")
    assert saved["enabled"] is False, "a gallery copy must wait for its settings"

    page.goto("/designer/")
    row = page.locator(f'tr[data-template-id="{template_id}"]')
    row.wait_for()
    assert row.locator("[data-enabled]").get_attribute("data-enabled") == "false"
    row.locator('[data-action="toggle"]').click()
    page.wait_for_selector(f'tr[data-template-id="{template_id}"] [data-enabled="true"]')
    assert live_server.api("GET", f"/templates/{template_id}")[1]["enabled"] is True

    row = page.locator(f'tr[data-template-id="{template_id}"]')
    row.locator('[data-action="delete"]').click()
    page.locator('dialog[data-dialog="confirm"] [data-button="ok"]').click()
    page.wait_for_selector(f'tr[data-template-id="{template_id}"]', state="detached")
    assert live_server.api("GET", f"/templates/{template_id}")[0] == 404


def test_importing_a_file_from_the_list_opens_it(page, live_server, tmp_path):
    template = next(t["template"] for t in list_builtin_templates()
                    if t["key"] == "assign_responsible")
    source = tmp_path / "mine.json"
    source.write_text(json.dumps({**template, "name": "Imported from a file"}))
    page.goto("/designer/")
    page.wait_for_selector("#template-list[data-ready=true]")
    page.locator(".bf-import-file").set_input_files(str(source))
    page.wait_for_selector("#designer[data-ready=true]")
    assert page.locator(".bf-name").text_content() == "Imported from a file"


def test_the_run_view_shows_the_path_the_wait_and_updates_live(page, live_server):
    status, created = live_server.api("POST", "/templates", {
        "format": "bizflow.template/1", "name": "Wait a moment", "document_type": "lead",
        "auto_start": [], "variables": [{"id": "Note", "title": "Note", "type": "string",
                                         "default": "hello"}],
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 40, "y": 100}},
            {"id": "pause", "type": "delay", "title": "A few seconds",
             "position": {"x": 300, "y": 100}, "properties": {"for": "5s"}},
            {"id": "after", "type": "log", "title": "Done waiting",
             "position": {"x": 560, "y": 100}, "properties": {"text": "waited"}},
        ],
        "edges": [{"from": "start", "to": "pause"}, {"from": "pause", "to": "after"}]})
    assert status == 201, created
    status, lead = live_server.api("POST", "/leads", {"fields": {"TITLE": "Watch me"}})
    assert status == 201, lead
    status, instance = live_server.api("POST", f"/templates/{created['id']}/start",
                                       {"document_id": lead["id"], "parameters": {}})
    assert status == 201, instance
    assert instance["status"] == "waiting"

    page.goto(f"/designer/instances/{instance['id']}")
    page.wait_for_selector("#instance-view[data-ready=true]")
    page.wait_for_selector("#instance-view[data-live=true]")
    assert "bf-waiting" in page.locator('[data-node-id="pause"]').get_attribute("class")
    assert "bf-taken" in page.locator('[data-node-id="start"]').get_attribute("class")
    assert page.locator('[data-waiting-node="pause"]').count() == 1
    assert "hello" in page.locator("[data-variables]").text_content()
    screenshot(page, "instance-waiting")

    # The worker ends the delay; the page learns it over Socket.IO, without a reload.
    started = time.monotonic()
    page.wait_for_selector('#instance-view[data-status="completed"]', timeout=15_000)
    assert time.monotonic() - started < 15
    assert "bf-taken" in page.locator('[data-node-id="after"]').get_attribute("class")
    assert "waited" in page.locator("[data-log]").text_content()
    screenshot(page, "instance-completed")

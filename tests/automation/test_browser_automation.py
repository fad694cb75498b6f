"""Browser: add a robot and a trigger on the automation page; drag a Kanban card to a stage."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
TOKEN = "automation-browser-token"

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium): browser tests skipped",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

pytestmark = pytest.mark.browser


class Live:
    def __init__(self, url: str, app: Any) -> None:
        self.url = url
        self.app = app

    def api(self, method: str, path: str, body: Any = None) -> Any:
        response = self.app.test_client().open(
            f"/api/v1{path}", method=method, json=body,
            headers={"Authorization": f"Bearer {TOKEN}"})
        return response.get_json(silent=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from werkzeug.serving import make_server

    from app import create_app
    from app.services.bootstrap import prepare

    tmp = tmp_path_factory.mktemp("automation-browser")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
                      "SECRET_KEY": "test", "ADMIN_PASSWORD": "admin-password-1",
                      "API_TOKEN": TOKEN, "REDIS_URL": None, "SMTP_HOST": None,
                      "FILES_DIR": str(tmp / "files"),
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    prepare(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live: Live) -> Iterator[Any]:
    context = browser.new_context(base_url=live.url, viewport={"width": 1700, "height": 1000})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/login")
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", "admin-password-1")
    page.locator("form button, form [type=submit]").first.click()
    page.wait_for_url(lambda url: "/login" not in url)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_add_a_robot_and_a_trigger_through_the_dialogs(page, live):
    page.goto("/automation/lead/0")
    stage = page.locator('[data-stage-id="IN_PROCESS"]')
    stage.locator('[data-action="add-robot"]').click()
    page.select_option("#robot-type", "modify_fields")
    page.fill("#robot-title", "Mark <b>contacted</b>")
    # The designer's fields-map editor: pick the field, then type its value.
    page.select_option("#robot-properties select.bf-map-key", "COMMENTS")
    page.fill('#robot-properties [name="properties/fields/COMMENTS"]', "contacted")
    # ... and its condition editor, typed by the field on the left.
    page.check("#robot-has-condition")
    page.fill('#robot-condition input[name$="/left"]', "{=Document:OPPORTUNITY}")
    # Leaving the left input (its change event) retypes the right-hand input.
    page.press('#robot-condition input[name$="/left"]', "Tab")
    page.locator('#robot-condition select[name$="/op"]').select_option(">")
    page.fill('#robot-condition input[type="number"][name$="/right"]', "500")
    page.select_option("#robot-timing", "after")
    page.fill("#robot-interval", "1h")
    page.click('[data-action="save-robot"]')
    robot = stage.locator('[data-robot-id="R1"]')
    robot.wait_for()
    assert "Mark <b>contacted</b>" in robot.inner_text()
    saved = live.api("GET", "/automation/lead/stages/IN_PROCESS/robots")
    assert saved["robots"][0]["timing"] == {"mode": "after", "interval": "1h",
                                            "field": None, "work_time": False}
    assert saved["robots"][0]["properties"] == {"fields": {"COMMENTS": "contacted"}}
    assert saved["robots"][0]["condition"] == {
        "all": [{"left": "{=Document:OPPORTUNITY}", "op": ">", "right": 500}]}
    # A bad interval is reported in the dialog, nothing is saved.
    robot.locator('[data-action="edit-robot"]').click()
    page.fill("#robot-interval", "later")
    page.click('[data-action="save-robot"]')
    page.locator("#robot-error", has_text="timing.interval").wait_for()
    page.keyboard.press("Escape")
    stage.locator('[data-action="add-trigger"]').click()
    page.select_option("#trigger-event", "call.missed")
    page.fill('#trigger-settings [data-property="line"]', "+100")
    page.click('[data-action="save-trigger"]')
    stage.locator("[data-trigger-id]").wait_for()
    (trigger,) = live.api("GET", "/automation/lead/triggers")["items"]
    assert trigger["event"] == "call.missed" and trigger["settings"] == {"line": "+100"}
    assert trigger["stage_id"] == "IN_PROCESS"


def test_dragging_a_kanban_card_changes_the_stage_and_runs_its_robots(page, live):
    live.api("PUT", "/automation/lead/stages/PROCESSED/robots", {"version": 0, "robots": [
        {"type": "modify_fields", "properties": {"fields": {"POST": "dragged"}}}]})
    lead = live.api("POST", "/leads", {"fields": {"TITLE": "Drag me"}})
    page.goto("/automation/lead/0/kanban")
    card = page.locator(f'.kanban-card[data-record-id="{lead["id"]}"]')
    card.drag_to(page.locator('.column[data-stage-id="PROCESSED"]'))
    page.locator(f'.column[data-stage-id="PROCESSED"] .kanban-card[data-moved="true"]'
                 f'[data-record-id="{lead["id"]}"]').wait_for()
    fields = live.api("GET", f"/leads/{lead['id']}")["fields"]
    assert fields["STATUS_ID"] == "PROCESSED" and fields["POST"] == "dragged"
    page.goto(f"/automation/lead/records/{lead['id']}")
    assert page.locator('[data-history-kind="stage_change"]').count() == 1
    assert page.locator('[data-history-kind="robot"]').count() >= 1


def test_add_a_deal_pipeline_and_rename_a_stage_in_the_ui(page, live):
    page.goto("/automation/")
    page.fill("#new-pipeline-name", "Partners")
    page.click("#add-pipeline")
    page.wait_for_url("**/automation/deal/1")
    page.once("dialog", lambda dialog: dialog.accept("First call"))
    page.locator('[data-stage-id="C1:NEW"] [data-action="rename-stage"]').click()
    page.locator('[data-stage-id="C1:NEW"] h2', has_text="First call").wait_for()
    stages = live.api("GET", "/pipelines/deal/1")["stages"]
    assert stages[0] == {"id": "C1:NEW", "name": "First call", "sort": 10,
                         "semantics": "process"}


def test_paying_an_invoice_on_the_deal_page_moves_the_deal(page, live):
    live.api("POST", "/automation/deal/triggers", {"event": "invoice.paid",
                                                   "stage_id": "EXECUTING"})
    deal = live.api("POST", "/deals", {"fields": {"TITLE": "Billed", "OPPORTUNITY": 300}})
    page.goto(f"/automation/deal/records/{deal['id']}")
    page.click('button.add-item[data-collection="invoices"]')
    page.locator("#invoices button.pay").wait_for()
    page.click("#invoices button.pay")
    page.locator('#invoices [data-status]:has-text("paid")').wait_for()
    assert page.locator("#invoices button.pay").count() == 0
    assert live.api("GET", f"/deals/{deal['id']}")["fields"]["STAGE_ID"] == "EXECUTING"
    assert page.locator('[data-history-kind="invoice_paid"]').count() == 1


def test_removing_a_robot_of_a_stage_edited_in_the_designer_asks_first(page, live):
    path = "/automation/lead/stages/JUNK/robots"
    saved = live.api("PUT", path, {"version": 0, "robots": [
        {"type": "history", "properties": {"text": "junk"}}]})
    detail = live.api("GET", f"/templates/{saved['template_id']}")
    body = live.api("GET", "/automation/lead/stages/JUNK/template")
    body["description"] = "edited in the designer"
    live.api("PUT", f"/templates/{saved['template_id']}",
             {"version": detail["version"], "template": body})
    page.goto("/automation/lead/0")
    stage = page.locator('[data-stage-id="JUNK"]')
    stage.locator('[data-designer-edited="true"]').wait_for()
    messages: list[str] = []

    def answer(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.dismiss() if len(messages) == 1 else dialog.accept()

    page.on("dialog", answer)
    stage.locator('[data-action="remove-robot"]').click()
    page.wait_for_timeout(300)
    assert live.api("GET", path)["robots"] != []        # dismissed: nothing replaced
    stage.locator('[data-action="remove-robot"]').click()
    page.wait_for_load_state()
    stage.locator('[data-designer-edited="true"]').wait_for(state="detached")
    assert "edited in the designer" in messages[0] and len(messages) == 2
    assert live.api("GET", path) == {**saved, "version": 2, "robots": [],
                                     "designer_edited": False}

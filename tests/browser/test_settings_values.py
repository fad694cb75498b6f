"""Template settings keep values typed: a number constant is saved as a JSON number, a user
constant as the user's id (an integer); text that is not of the type is refused next to it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.designer_page import DesignerPage

pytestmark = pytest.mark.browser


def add_item(settings, list_name: str, index: int, item_id: str, item_type: str,
             value: str) -> None:
    settings.locator(f'[data-prop="{list_name}"] [data-action="add-item"]').click()
    settings.locator(f'[name="{list_name}/{index}/id"]').fill(item_id)
    settings.locator(f'[name="{list_name}/{index}/type"]').select_option(f'"{item_type}"')
    key = "value" if list_name == "constants" else "default"
    settings.locator(f'[name="{list_name}/{index}/{key}"]').fill(value)


def test_number_and_user_constants_are_saved_typed_and_bad_values_are_refused(
        page, live_server):
    status, manager = live_server.api("POST", "/users", {
        "fields": {"LOGIN": "typed", "NAME": "Tina", "LAST_NAME": "Typed",
                   "EMAIL": "typed@example.com"}, "roles": [], "password": "typed-password"})
    assert status == 201, manager
    d = DesignerPage(page).open_new("lead")
    d.toolbar("settings")
    settings = page.locator('dialog[data-dialog="settings"]')
    settings.locator('[name="name"]').fill("Typed constants")
    add_item(settings, "constants", 0, "Limit", "number", "12,5 euros")
    add_item(settings, "constants", 1, "Reviewer", "user", str(manager["id"]))
    add_item(settings, "constants", 2, "Strict", "boolean", "yes")
    add_item(settings, "variables", 0, "Due", "date", "2026-02-30")

    # Not a number, not a real date: said next to each input, and Apply keeps the dialog open.
    settings.locator('[data-button="apply"]').click()
    limit_error = settings.locator('[data-field-error="constants/0/value"]')
    assert "must be a number" in limit_error.inner_text()
    assert "YYYY-MM-DD" in settings.locator('[data-field-error="variables/0/default"]').inner_text()
    assert "constants Limit" in settings.locator(".bf-dialog-error").inner_text()
    screenshot(page, "settings-typed-errors")
    # The reviewer can be picked from the users (the input offers them).
    offered = settings.locator('[name="constants/1/value"]').evaluate(
        "input => [...input.list.options].map(o => o.value)")
    assert str(manager["id"]) in offered

    settings.locator('[name="constants/0/value"]').fill("12,5")
    settings.locator('[name="variables/0/default"]').fill("2026-02-28")
    d.apply(settings)
    d.save()

    status, saved = live_server.api("GET", f"/templates/{d.template_id()}")
    assert status == 200, saved
    constants = {c["id"]: c for c in saved["template"]["constants"]}
    assert constants["Limit"]["value"] == 12.5
    reviewer = constants["Reviewer"]["value"]
    assert reviewer == manager["id"] and type(reviewer) is int
    assert constants["Strict"]["value"] is True
    assert saved["template"]["variables"][0]["default"] == "2026-02-28"

    # Reopened, the settings show the stored values and apply them unchanged.
    d.open(d.template_id())
    d.toolbar("settings")
    assert settings.locator('[name="constants/0/value"]').input_value() == "12.5"
    d.apply(settings)
    assert page.get_attribute("#designer", "data-dirty") == "false"

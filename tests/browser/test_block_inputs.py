"""Blocks that cannot run without input say so: dropped from the palette, their form opens with
the required fields highlighted; left empty, the block shows what it needs and Check names the
block and the field; filled in, the block is complete."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.browser.designer_page import DesignerPage

pytestmark = pytest.mark.browser

# block type -> (required property, its label in the form, a value to fill in)
NEEDS = {
    "webhook": ("url", "URL", "https://example.com/hook"),
    "change_stage": ("stage", "Stage", "IN_PROCESS"),
    "start_process": ("template_id", "Template", "1"),
    "sms": ("text", "Text", "Your order is on its way"),
}


@pytest.mark.parametrize("block_type", sorted(NEEDS))
def test_a_dropped_block_asks_for_its_required_input_and_check_names_block_and_field(
        page, block_type):
    key, label, value = NEEDS[block_type]
    d = DesignerPage(page).open_new()
    node = d.drag_block(block_type, 420, 240)

    dialog = page.locator('dialog[data-dialog="properties"]')
    dialog.wait_for()
    assert label in dialog.locator("[data-needs-note]").inner_text()
    assert dialog.locator(f'.bf-row-missing[data-prop="{key}"]').count() == 1
    screenshot(page, f"needs-{block_type}-form")
    assert page.evaluate("document.activeElement.name") == f"properties/{key}"
    if block_type == "change_stage":  # the lead's stages are offered
        offered = dialog.locator('[name="properties/stage"]').evaluate(
            "input => [...input.list.options].map(o => o.value)")
        assert {"NEW", "IN_PROCESS", "CONVERTED"} <= set(offered)
    dialog.locator('[data-button="cancel"]').click()
    dialog.wait_for(state="detached")

    block = d.node(node)
    assert block.get_attribute("data-needs") == key
    assert f"Needs {label}" in block.text_content()
    d.connect("start", "next", node)
    d.toolbar("validate")
    error = page.locator(f'[data-error-node="{node}"][data-error-field="{key}"]')
    error.wait_for()
    screenshot(page, f"needs-{block_type}-check")
    text = error.inner_text()
    assert node in text and label in text, text

    # The error's Edit button opens the block's form; filled in, the block needs nothing more.
    error.locator('[data-action="edit-node"]').click()
    dialog.wait_for()
    dialog.locator(f'[name="properties/{key}"]').fill(value)
    d.apply(dialog)
    assert block.get_attribute("data-needs") is None
    saved = d.exported()["nodes"][-1]["properties"][key]
    assert saved == (int(value) if key == "template_id" else value)


def test_saving_a_block_left_without_its_input_is_refused_naming_it(page):
    d = DesignerPage(page).open_new()
    node = d.drag_block("webhook", 420, 240)
    page.locator('dialog[data-dialog="properties"] [data-button="cancel"]').click()
    d.connect("start", "next", node)
    d.focus_canvas()
    page.keyboard.press("Control+s")
    page.wait_for_selector(f'[data-error-node="{node}"][data-error-field="url"]')
    assert page.get_attribute("#designer", "data-template-id") == ""
    assert "Not saved" in page.locator("#bf-notice").inner_text()


def test_every_palette_block_dropped_is_either_complete_or_says_what_it_needs(page):
    d = DesignerPage(page).open_new()
    types = page.eval_on_selector_all("[data-palette-type]",
                                      "els => els.map(e => e.dataset.paletteType)")
    assert len(types) > 15
    for block_type in types:
        d.open_new()
        item = page.locator(f'[data-palette-type="{block_type}"]')
        item.focus()
        page.keyboard.press("Enter")
        dialog = page.locator('dialog[data-dialog="properties"]')
        page.wait_for_timeout(100)
        asked = dialog.count() == 1
        if asked:
            dialog.locator('[data-button="cancel"]').click()
        node = d.node_ids(block_type)[-1]
        if block_type == "join":  # what a join needs is where it goes: said on dropping it
            assert "parallel" in page.locator("#bf-notice").inner_text()
        needs = d.node(node).get_attribute("data-needs")
        assert asked == bool(needs), f"{block_type}: form opened {asked}, needs {needs!r}"
        d.toolbar("validate")
        page.wait_for_selector("[data-validation]")
        fields = []
        for error in page.locator(".bf-error-item").all():
            # Every error names its block (an unconnected one is reported as unreachable).
            assert error.get_attribute("data-error-node"), f"{block_type}: {error.inner_text()}"
            if error.get_attribute("data-error-node") == node:
                fields.append(error.get_attribute("data-error-field"))
        if needs:
            assert set(needs.split()) <= set(fields), f"{block_type}: errors name {fields}"

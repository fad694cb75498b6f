"""Editing on the canvas: undo/redo as exact single steps, shortcuts only while the canvas has
focus, copy/paste, the properties form as one undoable command, and escaping of user text."""

from __future__ import annotations

import pytest

from tests.browser.designer_page import DesignerPage, center

pytestmark = pytest.mark.browser


def test_undo_and_redo_are_exact_and_a_multi_element_delete_is_one_step(page):
    d = DesignerPage(page).open_new("lead")
    log = d.drag_block("log", 420, 240)
    end = d.drag_block("end", 700, 240)
    d.connect("start", "next", log)
    d.connect(log, "next", end)
    before = d.exported()

    # Select both blocks (click, then shift+click) and delete them with the Delete key.
    d.node(log).click()
    d.node(end).click(modifiers=["Shift"])
    page.keyboard.press("Delete")
    assert set(d.node_ids()) == {"start"}
    assert d.edges() == set()

    page.keyboard.press("Control+z")  # one step brings back both blocks and all three edges
    assert set(d.node_ids()) == {"start", log, end}
    assert d.exported() == before

    page.keyboard.press("Control+y")
    assert set(d.node_ids()) == {"start"}
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")  # undo the second connection
    assert d.edges() == {("start", "next", log)}
    page.keyboard.press("Control+y")
    assert d.exported() == before


def test_shortcuts_act_only_while_the_canvas_has_focus(page):
    d = DesignerPage(page).open_new("lead")
    block = d.drag_block("log", 420, 240)
    search = page.locator(".bf-palette-search")
    search.click()
    page.keyboard.press("Control+z")
    page.keyboard.press("Delete")
    assert block in d.node_ids(), "a shortcut acted while the search box had focus"
    search.fill("mail")
    assert page.locator("[data-palette-type=email]").is_visible()
    assert not page.locator("[data-palette-type=condition]").is_visible(), "search does not filter"
    d.focus_canvas()
    page.keyboard.press("Control+z")
    assert block not in d.node_ids()


def test_copy_paste_gives_fresh_ids_and_the_form_edit_is_one_undo_step(page):
    d = DesignerPage(page).open_new("lead")
    block = d.drag_block("log", 420, 240)
    form = d.configure(block)
    form.locator('[name="title"]').fill("Write it down")
    form.locator('[name="properties/text"]').fill("Lead ")
    d.pick(form, "properties/text", "TITLE", "{=Document:TITLE}")
    d.apply(form)
    node = next(n for n in d.exported()["nodes"] if n["id"] == block)
    assert node["title"] == "Write it down"
    assert node["properties"] == {"text": "Lead {=Document:TITLE}"}

    d.node(block).click()
    page.keyboard.press("Control+c")
    box = d.canvas.bounding_box()
    page.mouse.move(box["x"] + 700, box["y"] + 420)
    page.keyboard.press("Control+v")  # pasted at once, where the pointer is
    logs = d.node_ids("log")
    assert len(logs) == 2 and len(set(logs)) == 2
    copy = next(n for n in d.exported()["nodes"] if n["id"] != block and n["type"] == "log")
    assert copy["properties"] == {"text": "Lead {=Document:TITLE}"}
    center = (copy["position"]["x"] + 90, copy["position"]["y"] + 32)
    assert abs(center[0] - 700) <= 20 and abs(center[1] - 420) <= 20, center

    page.keyboard.press("Control+z")  # the paste
    page.keyboard.press("Control+z")  # the whole form edit
    node = next(n for n in d.exported()["nodes"] if n["id"] == block)
    assert node.get("title") != "Write it down" and not node.get("properties", {}).get("text")


def test_user_text_is_shown_as_text_never_as_markup(page, live_server):
    evil = '<img src=x onerror="window.__pwned=1">'
    status, created = live_server.api("POST", "/templates", {
        "format": "bizflow.template/1", "name": evil, "document_type": "lead", "auto_start": [],
        "nodes": [{"id": "start", "type": "start", "title": evil},
                  {"id": "note", "type": "log", "title": evil, "properties": {"text": evil}}],
        "edges": [{"from": "start", "to": "note"}]})
    assert status == 201, created
    d = DesignerPage(page).open(created["id"])
    assert d.node("note").locator(".bf-title").text_content().startswith("<img")
    assert page.locator(".bf-canvas img, .bf-toolbar img").count() == 0
    d.configure("note")
    assert page.locator("dialog img").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_a_template_without_positions_is_laid_out_by_depth(page, live_server):
    status, created = live_server.api("POST", "/templates", {
        "format": "bizflow.template/1", "name": "No positions", "document_type": "lead",
        "auto_start": [],
        "nodes": [{"id": "start", "type": "start"}, {"id": "a", "type": "log"},
                  {"id": "b", "type": "log"}, {"id": "c", "type": "end"}],
        "edges": [{"from": "start", "to": "a"}, {"from": "a", "to": "b"},
                  {"from": "b", "to": "c"}]})
    assert status == 201, created
    d = DesignerPage(page).open(created["id"])
    xs = [center(d.node(n))[0] for n in ("start", "a", "b", "c")]
    assert xs == sorted(xs) and len(set(xs)) == 4, xs


def test_the_picker_lists_custom_fields_variables_and_earlier_block_results(page, live_server):
    status, body = live_server.api("POST", "/document-types/lead/fields", {
        "code": "UF_PRIORITY", "type": "string", "title": "Priority"})
    assert status == 201, body
    d = DesignerPage(page).open_new("lead")
    code = d.drag_block("generate_code", 420, 240)
    note = d.drag_block("log", 700, 240)
    d.connect("start", "next", code)
    d.connect(code, "next", note)
    form = d.configure(note)
    form.locator('[name="properties/text"]').locator("xpath=..").locator(".bf-pick").click()
    picker = page.locator(".bf-picker")
    for ref in ("{=Document:UF_PRIORITY}", f"{{=Block:{code}:Code}}", "{=Instance:ID}",
                "{=Document:ASSIGNED_BY_ID.EMAIL}"):
        assert picker.locator(f'[data-ref="{ref}"]').count() == 1, ref
    picker.locator(".bf-picker-search").fill("prior")
    assert picker.locator("[data-ref]").count() == 1


def test_arrange_lays_out_by_depth_as_one_undo_step(page, live_server):
    status, created = live_server.api("POST", "/templates", {
        "format": "bizflow.template/1", "name": "Messy", "document_type": "lead",
        "auto_start": [],
        "nodes": [{"id": "start", "type": "start", "position": {"x": 700, "y": 40}},
                  {"id": "a", "type": "log", "position": {"x": 40, "y": 400}},
                  {"id": "b", "type": "end", "position": {"x": 400, "y": 40}}],
        "edges": [{"from": "start", "to": "a"}, {"from": "a", "to": "b"}]})
    assert status == 201, created
    d = DesignerPage(page).open(created["id"])
    before = d.exported()
    d.toolbar("arrange")
    xs = {n["id"]: n["position"]["x"] for n in d.exported()["nodes"]}
    assert xs["start"] < xs["a"] < xs["b"]
    d.toolbar("undo")
    assert d.exported() == before


def test_the_palette_offers_invoice_blocks_on_deal_templates_only(page):
    d = DesignerPage(page).open_new("lead")
    invoice = page.locator("[data-palette-type=create_invoice]")
    assert page.locator("[data-palette-type=email]").count() == 1 and invoice.count() == 0
    d.toolbar("settings")
    settings = page.locator('dialog[data-dialog="settings"]')
    settings.locator('[name="document_type"]').select_option("deal")
    d.apply(settings)
    assert invoice.count() == 1
    d.open_new("deal")
    assert invoice.count() == 1

"""Big templates: every block is on the canvas, only the ones in view are in the page (drawn in
full), and panning brings the others in (drawn with their ports) without reloading."""

from __future__ import annotations

import pytest

from tests.bench.designer_open import make_template
from tests.browser.designer_page import DesignerPage

pytestmark = pytest.mark.browser


def test_a_400_block_template_opens_and_panning_draws_the_blocks_coming_into_view(
        page, live_server):
    status, created = live_server.api("POST", "/templates", make_template(400))
    assert status == 201, created
    d = DesignerPage(page).open(created["id"])
    on_canvas = page.evaluate("window.bizflowDesigner.diagram.get('elementRegistry')"
                              ".filter((e) => e.bo && !e.waypoints).length")
    assert on_canvas == 400
    in_page = page.locator("[data-node-id]").count()
    assert 0 < in_page < 100, f"{in_page} blocks in the page"
    assert d.node("n1").locator('[data-port="in"]').is_visible()
    far = d.node("n12")
    assert far.count() == 0

    d.focus_canvas()
    box = d.canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(40):
        page.mouse.wheel(200, 0)
        page.wait_for_timeout(50)
        if far.count():
            break
    assert far.count() == 1, "panning never brought n12 into view"
    assert far.locator('[data-port="in"]').is_visible()
    assert far.locator('[data-port="big"]').count() == 1  # n12 is a condition
    assert len(d.exported()["nodes"]) == 400


def test_editing_a_big_template_keeps_the_blocks_and_edges_out_of_view(page, live_server):
    """Deleting a block whose edges lead out of view, undoing it, and panning away and back
    lose nothing: the out-of-view graphics the canvas keeps aside follow the edits."""
    status, created = live_server.api("POST", "/templates", make_template(400))
    assert status == 201, created
    d = DesignerPage(page).open(created["id"])
    before = d.exported()
    d.node("n2").locator(".bf-body").click()
    page.keyboard.press("Delete")
    after = d.exported()
    assert len(after["nodes"]) == 399
    assert not [e for e in after["edges"] if "n2" in (e["from"], e["to"])]
    d.focus_canvas()
    page.keyboard.press("Control+z")
    restored = d.exported()
    assert {n["id"] for n in restored["nodes"]} == {n["id"] for n in before["nodes"]}
    assert sorted(map(str, restored["edges"])) == sorted(map(str, before["edges"]))

    box = d.canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(10):
        page.mouse.wheel(800, 0)
    page.wait_for_timeout(200)
    assert d.node("n1").count() == 0, "n1 should be out of view and out of the page"
    for _ in range(10):
        page.mouse.wheel(-800, 0)
    page.wait_for_function("document.querySelector('[data-node-id=\"n1\"]') !== null")
    assert page.locator('[data-edge-from="n1"]').count() == 1
    assert len(d.exported()["nodes"]) == 400

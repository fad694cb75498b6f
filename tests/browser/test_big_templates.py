"""Big templates: every block is on the canvas, the ones in view drawn in full, and panning
brings the others in (drawn with their ports) without reloading."""

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
    assert page.locator("[data-node-id]").count() == 400
    assert d.node("n1").locator('[data-port="in"]').is_visible()
    far = d.node("n12")
    assert not far.is_visible()

    d.focus_canvas()
    box = d.canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    shown = "document.querySelector('[data-node-id=\"n12\"]').style.display === ''"
    for _ in range(40):
        page.mouse.wheel(200, 0)
        page.wait_for_timeout(50)
        if page.evaluate(shown):
            break
    assert page.evaluate(shown), "panning never brought n12 into view"
    assert far.locator('[data-port="in"]').count() == 1
    assert len(d.exported()["nodes"]) == 400

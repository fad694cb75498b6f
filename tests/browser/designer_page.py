"""Drives the designer with the mouse and keyboard through the SPEC 5.3 test hooks only."""

from __future__ import annotations

from typing import Any


def center(locator: Any) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box, f"{locator} is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


class DesignerPage:
    def __init__(self, page: Any) -> None:
        self.page = page

    def open_new(self, document_type: str = "lead") -> DesignerPage:
        self.page.goto(f"/designer/new?document_type={document_type}")
        return self.wait_ready()

    def open(self, template_id: int) -> DesignerPage:
        self.page.goto(f"/designer/{template_id}")
        return self.wait_ready()

    def wait_ready(self) -> DesignerPage:
        self.page.wait_for_selector("#designer[data-ready=true]")
        return self

    @property
    def canvas(self) -> Any:
        return self.page.locator(".bf-canvas svg").first

    def node(self, node_id: str) -> Any:
        return self.page.locator(f'[data-node-id="{node_id}"]')

    def node_ids(self, node_type: str | None = None) -> list[str]:
        selector = f'[data-node-type="{node_type}"]' if node_type else "[data-node-id]"
        return self.page.eval_on_selector_all(
            selector, "els => els.map(e => e.getAttribute('data-node-id'))")

    def drag_block(self, block_type: str, x: float, y: float) -> str:
        """Drags a palette block to (x, y) relative to the canvas's top-left; returns its id."""
        before = set(self.node_ids(block_type))
        item = self.page.locator(f'[data-palette-type="{block_type}"]')
        item.scroll_into_view_if_needed()
        sx, sy = center(item)
        box = self.canvas.bounding_box()
        mouse = self.page.mouse
        mouse.move(sx, sy)
        mouse.down()
        mouse.move(sx + 30, sy, steps=3)
        mouse.move(box["x"] + x, box["y"] + y, steps=8)
        mouse.up()
        added = set(self.node_ids(block_type)) - before
        assert len(added) == 1, f"dropping {block_type} added {added}"
        return added.pop()

    def connect(self, source: str, port: str, target: str) -> None:
        """Drags from an output port of `source` to the input port of `target`."""
        start = self.node(source).locator(f'[data-port="{port}"]')
        end = self.node(target).locator('[data-port="in"]')
        sx, sy = center(start)
        tx, ty = center(end)
        mouse = self.page.mouse
        mouse.move(sx, sy)
        mouse.down()
        mouse.move(sx + 20, sy + 5, steps=3)
        mouse.move(tx, ty, steps=8)
        mouse.up()
        self.page.wait_for_selector(f'[data-edge-from="{source}"][data-edge-to="{target}"]')

    def edges(self) -> set[tuple[str, str, str]]:
        return {tuple(e) for e in self.page.eval_on_selector_all(
            "[data-edge-from]", "els => els.map(e => [e.getAttribute('data-edge-from'),"
            " e.getAttribute('data-edge-port'), e.getAttribute('data-edge-to')])")}

    def configure(self, node_id: str) -> Any:
        """Clicks the block's gear; returns the properties dialog."""
        self.node(node_id).locator('[data-action="configure"]').click()
        dialog = self.page.locator('dialog[data-dialog="properties"]')
        dialog.wait_for()
        return dialog

    def pick(self, scope: Any, input_name: str, search: str, ref: str) -> None:
        """Uses the "…" picker next to an input to insert a {=...} reference."""
        field = scope.locator(f'[name="{input_name}"]')
        field.locator("xpath=..").locator(".bf-pick").click()
        picker = self.page.locator(".bf-picker")
        picker.locator(".bf-picker-search").fill(search)
        picker.locator(f'[data-ref="{ref}"]').click()

    def apply(self, dialog: Any) -> None:
        dialog.locator('[data-button="apply"]').click()
        dialog.wait_for(state="detached")

    def focus_canvas(self) -> None:
        """Clicks an empty corner of the canvas so its keyboard shortcuts are active."""
        box = self.canvas.bounding_box()
        self.page.mouse.click(box["x"] + 8, box["y"] + box["height"] - 8)

    def save(self) -> None:
        self.focus_canvas()
        self.page.keyboard.press("Control+s")
        self.page.wait_for_selector("#designer[data-dirty=false]")
        self.page.wait_for_function("document.querySelector('#designer').dataset.templateId !== ''")

    def template_id(self) -> int:
        return int(self.page.get_attribute("#designer", "data-template-id"))

    def exported(self) -> dict:
        return self.page.evaluate("window.bizflowDesigner.exportTemplate()")

    def toolbar(self, action: str) -> None:
        self.page.locator(f'.bf-toolbar [data-action="{action}"]').click()

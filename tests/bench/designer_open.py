"""How long the designer takes to open a big template and become interactive, in headless Chromium.

For each size (default 300 and 2,000 blocks, the format's limit) a template without positions
(so the auto-layout runs too) is saved through the API of a live app; the page /designer/{id}
is opened (cold: a new browser context each time) and timed until the canvas reports ready,
then the first interaction (a click selecting a block) is timed. Goal: < 1 s for 300 blocks,
< 3 s for 2,000. Besides wall-clock times (which the machine's load stretches) it reports CPU:
the page's renderer process CPU until ready (Chrome's ProcessTime metric) and the app server's
CPU for the open. Environment: BIZFLOW_BENCH_DESIGNER_SIZES ("300,2000"), BIZFLOW_BENCH_RUNS (3).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
TOKEN = "bench-admin-token"
GOALS_MS = {300: 1000, 2000: 3000}
KINDS = ("condition", "modify_document", "email", "log")


def make_template(size: int) -> dict[str, Any]:
    """A connected graph of `size` blocks: conditions whose branches skip ahead, and actions."""
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "start"}]
    edges: list[dict[str, Any]] = []
    for number in range(1, size):
        kind = KINDS[number % len(KINDS)] if number < size - 1 else "end"
        node: dict[str, Any] = {"id": f"n{number}", "type": kind, "title": f"{kind} {number}"}
        if kind == "condition":
            node["properties"] = {"branches": [
                {"id": "big", "title": "Big", "when": {
                    "left": "{=Document:OPPORTUNITY}", "op": ">", "right": number}},
                {"id": "other", "title": "Other", "when": None}]}
        elif kind == "modify_document":
            node["properties"] = {"fields": {"COMMENTS": f"step {number}"}}
        elif kind == "email":
            node["properties"] = {"to": ["{=Document:ASSIGNED_BY_ID}"], "subject": "Step",
                                  "body": "{=Document:TITLE}", "format": "text"}
        elif kind == "log":
            node["properties"] = {"text": f"step {number}"}
        nodes.append(node)
    for index, node in enumerate(nodes[:-1]):
        following = nodes[index + 1]["id"]
        if node["type"] == "condition":
            edges.append({"from": node["id"], "port": "big", "to": following})
            skip = nodes[min(index + 2, len(nodes) - 1)]["id"]
            edges.append({"from": node["id"], "port": "other", "to": skip})
        elif node["type"] != "end":
            edges.append({"from": node["id"], "to": following})
    return {"format": "bizflow.template/1", "name": f"{size} blocks", "document_type": "lead",
            "auto_start": [], "nodes": nodes, "edges": edges}


def _live_app(tmp: Path) -> tuple[Any, str, Any]:
    from werkzeug.serving import make_server

    from app import create_app
    from app.services.bootstrap import prepare

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}", "SECRET_KEY": "bench",
                      "API_TOKEN": TOKEN, "ADMIN_PASSWORD": "bench-password", "REDIS_URL": None,
                      "SMTP_HOST": None, "FILES_DIR": str(tmp / "files")})
    prepare(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="bench-designer", daemon=True).start()
    return app, f"http://127.0.0.1:{server.server_port}", server


BLOCKS_ON_CANVAS = ("() => window.bizflowDesigner.diagram.get('elementRegistry')"
                    ".filter((e) => e.bo && !e.waypoints).length")


def _open_once(browser: Any, url: str, template_id: int) -> dict[str, float]:
    """Wall ms to ready, in-page ms to ready, ms for the first click to select a block, the
    page's renderer CPU ms until its first frame after ready, the server's CPU ms, and the blocks
    on the canvas."""
    context = browser.new_context(base_url=url, viewport={"width": 1600, "height": 1000},
                                  extra_http_headers={"Authorization": f"Bearer {TOKEN}"})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    cpu_page_before = _renderer_cpu_ms(cdp)
    # The server runs on a thread of this process; Playwright's client here is mostly waiting.
    cpu_before = time.process_time()
    began = time.perf_counter()
    page.goto(f"/designer/{template_id}")
    page.wait_for_selector("#designer[data-ready=true]", timeout=60_000)
    wall = (time.perf_counter() - began) * 1000
    server_cpu = (time.process_time() - cpu_before) * 1000
    # The page's CPU includes drawing the first frame after ready.
    page.evaluate("new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")
    page_cpu = _renderer_cpu_ms(cdp) - cpu_page_before
    in_page = float(page.get_attribute("#designer", "data-opened-ms"))
    count = page.evaluate(BLOCKS_ON_CANVAS)
    began = time.perf_counter()
    page.locator('[data-node-id="start"]').click()
    page.wait_for_selector('[data-node-id="start"].selected')
    click = (time.perf_counter() - began) * 1000
    context.close()
    return {"wall": wall, "page": in_page, "click": click, "page_cpu": page_cpu,
            "server_cpu": server_cpu, "count": count}


def _renderer_cpu_ms(cdp: Any) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["ProcessTime"] * 1000


def main() -> None:
    if not os.path.exists(CHROMIUM):
        print(f"SKIP designer_open: {CHROMIUM} is missing (apt-get install chromium)")
        return
    from playwright.sync_api import sync_playwright

    sizes = [int(s) for s in os.environ.get("BIZFLOW_BENCH_DESIGNER_SIZES", "300,2000").split(",")]
    runs = int(os.environ.get("BIZFLOW_BENCH_RUNS", "3"))
    with tempfile.TemporaryDirectory() as tmp:
        app, url, server = _live_app(Path(tmp))
        client = app.test_client()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        rows = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for size in sizes:
                    response = client.post("/api/v1/templates", json=make_template(size),
                                           headers=headers)
                    assert response.status_code == 201, response.get_json()
                    template_id = response.get_json()["id"]
                    _open_once(browser, url, template_id)  # warm the HTTP cache and the server
                    results = [_open_once(browser, url, template_id) for _ in range(runs)]
                    count = results[0]["count"]
                    if count != size:
                        raise AssertionError(f"{size} blocks saved, {count} on the canvas")
                    rows.append((size, {key: statistics.median(r[key] for r in results)
                                        for key in ("wall", "page", "click", "page_cpu",
                                                    "server_cpu")}))
                browser.close()
        finally:
            server.shutdown()
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'blocks':>7} {'open (wall) ms':>15} {'open (page) ms':>15} {'first click ms':>15}"
          f" {'page CPU ms':>12} {'server CPU ms':>14} {'goal ms':>8}")
    for size, row in rows:
        goal = GOALS_MS.get(size, "")
        print(f"{size:>7} {row['wall']:>15.0f} {row['page']:>15.0f} {row['click']:>15.0f}"
              f" {row['page_cpu']:>12.0f} {row['server_cpu']:>14.0f} {goal:>8}")
    for size, row in rows:
        print(f"RESULT designer_open_{size}_ms {row['wall']:.0f}")
        print(f"RESULT designer_first_click_{size}_ms {row['click']:.0f}")
        print(f"RESULT designer_open_page_cpu_{size}_ms {row['page_cpu']:.0f}")
        print(f"RESULT designer_open_server_cpu_{size}_ms {row['server_cpu']:.0f}")

"""The designer pages load their modules joined into one script (app/web/es_bundle.py): what
the joiner accepts, what it refuses, and that the canvas page needs only that and the vendor's."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.web.es_bundle import build
from tests.browser.designer_page import DesignerPage


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_modules_are_joined_in_dependency_order_with_their_imports_and_exports(tmp_path):
    static = write(tmp_path, {
        "js/main.js": "import Thing, { twice as double } from './lib/thing.js';\n"
                      "import { Diagram } from '../vendor/v.js';\n"
                      "export const result = double(new Thing().value);\n",
        "js/lib/thing.js": "import { base } from '../base.js';\n"
                           "export function twice(x) { return 2 * x; }\n"
                           "export default class Thing { constructor() { this.value = base; } }\n",
        "js/base.js": "const base = 21;\nexport { base };\n",
    })
    text = build(static, "js/main.js", "/static/").text
    assert text.index("// --- js/base.js") < text.index("// --- js/lib/thing.js") \
        < text.index("// --- js/main.js")
    assert "import * as __vendor0 from '/static/vendor/v.js';" in text
    assert "const Thing = __module1.default;" in text
    assert "const { twice: double } = __module1;" in text
    assert "return { twice, default: Thing };" in text
    assert "return { base };" in text
    assert "export " not in text.replace("// --- ", "")


@pytest.mark.parametrize(("files", "message"), [
    ({"js/main.js": "export * from './other.js';\n", "js/other.js": ""},
     "js/main.js: an export form the bundler does not understand"),
    ({"js/main.js": "import './side.js';\n", "js/side.js": ""},
     "js/main.js: an import form the bundler does not understand"),
    ({"js/main.js": "import { a } from './a.js';\n",
      "js/a.js": "import { main } from './main.js';\nexport const a = 1;\n"},
     "import cycle js/main.js -> js/a.js -> js/main.js"),
    ({"js/main.js": "import { x } from 'somewhere';\n"},
     "js/main.js: import of 'somewhere': only relative paths are bundled"),
])
def test_what_the_joiner_cannot_join_correctly_is_refused_by_name(tmp_path, files, message):
    with pytest.raises(ValueError, match=message):
        build(write(tmp_path, files), "js/main.js", "/static/")


@pytest.mark.browser
def test_the_canvas_page_loads_one_script_of_ours_and_the_vendor_bundle(page):
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    DesignerPage(page).open_new()
    ours = sorted(url.split("/designer/", 1)[1] for url in scripts)
    assert ours == ["bundle/designer.js", "static/vendor/diagram-js.bundle.js"]

"""Joins a page's own ES modules into one module, so the browser fetches one file instead of
two dozen (each a request that waits its turn on a busy server).

Each module becomes a function scope that returns its exports, in dependency order; imports of
our modules become reads of those results, imports of vendor bundles stay real imports. Only the
forms the designer's modules use are understood: `import {a, b as c} from`, `import X from`,
`import * as ns from`, `export function|class|const|let|async function`, `export default
class|function`, `export {a, b as c}`. Anything else starting with `export` is an error, so a
module written differently fails loudly instead of being joined wrongly.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

IMPORT = re.compile(r"""^import\s+([^'";]*?)\s+from\s+['"]([^'"]+)['"];?[ \t]*\n?""", re.M)
EXPORT_DECLARATION = re.compile(
    r"^export\s+(default\s+)?((?:async\s+)?function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)",
    re.M)
EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\};?[ \t]*\n?", re.M)
ANY_EXPORT = re.compile(r"^export\b", re.M)
ANY_IMPORT = re.compile(r"^import\b", re.M)


@dataclass(frozen=True)
class Bundle:
    text: str
    etag: str
    vendor: tuple[str, ...]  # vendor modules it imports (paths under the static folder)


def build(static_dir: Path, entry: str, url_prefix: str) -> Bundle:
    """The bundle of `entry` (a path under `static_dir`); vendor imports point at `url_prefix`."""
    order = _dependency_order(static_dir, entry)
    names = {path: f"__module{index}" for index, path in enumerate(order)}
    vendor: dict[str, str] = {}
    parts: list[str] = []
    for path in order:
        source = (static_dir / path).read_text(encoding="utf-8")
        parts.append(_wrap(path, source, names, vendor))
    head = [f"import * as {name} from '{url_prefix}{path}';" for path, name in vendor.items()]
    text = "\n".join(["// Joined by app/web/es_bundle.py.", *head, *parts]) + "\n"
    etag = hashlib.sha256(text.encode()).hexdigest()[:20]
    return Bundle(text, etag, tuple(vendor))


def _resolve(importer: str, spec: str) -> str:
    if not spec.startswith(("./", "../")):
        raise ValueError(f"{importer}: import of {spec!r}: only relative paths are bundled")
    return posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))


def _is_vendor(path: str) -> bool:
    return path.startswith("vendor/")


def _dependency_order(static_dir: Path, entry: str) -> list[str]:
    """Our modules reachable from `entry`, each after the modules it imports."""
    order: list[str] = []
    visiting: list[str] = []

    def visit(path: str) -> None:
        if path in order:
            return
        if path in visiting:
            cycle = " -> ".join([*visiting[visiting.index(path):], path])
            raise ValueError(f"import cycle {cycle}: modules in a cycle cannot be bundled")
        visiting.append(path)
        source = (static_dir / path).read_text(encoding="utf-8")
        for _clause, spec in IMPORT.findall(source):
            target = _resolve(path, spec)
            if not _is_vendor(target):
                visit(target)
        visiting.pop()
        order.append(path)

    visit(entry)
    return order


def _wrap(path: str, source: str, names: dict[str, str], vendor: dict[str, str]) -> str:
    reads: list[str] = []

    def take_import(match: re.Match[str]) -> str:
        clause, spec = match.group(1).strip(), match.group(2)
        target = _resolve(path, spec)
        if _is_vendor(target):
            module = vendor.setdefault(target, f"__vendor{len(vendor)}")
        else:
            module = names[target]
        reads.extend(_bindings(path, clause, module))
        return ""

    body = IMPORT.sub(take_import, source)
    exported: list[str] = []

    def take_list(match: re.Match[str]) -> str:
        for item in filter(None, (part.strip() for part in match.group(1).split(","))):
            local, _, public = (word.strip() for word in item.partition(" as "))
            exported.append(local if not public or public == local else f"{public}: {local}")
        return ""

    body = EXPORT_LIST.sub(take_list, body)

    def take_declaration(match: re.Match[str]) -> str:
        default, keyword, name = match.groups()
        exported.append(f"default: {name}" if default else name)
        return f"{keyword} {name}"

    body = EXPORT_DECLARATION.sub(take_declaration, body)
    for pattern, what in ((ANY_EXPORT, "export"), (ANY_IMPORT, "import")):
        leftover = pattern.search(body)
        if leftover:
            raise ValueError(f"{path}: an {what} form the bundler does not understand:"
                             f" {body[leftover.start():].splitlines()[0]!r}")
    return (f"// --- {path}\nconst {names[path]} = (() => {{\n" + "".join(reads) + body
            + f"return {{ {', '.join(exported)} }};\n}})();")


def _bindings(path: str, clause: str, module: str) -> list[str]:
    """`const` statements that read what `clause` imports from `module`."""
    reads = []
    if clause.startswith("* as "):
        return [f"const {clause[5:].strip()} = {module};\n"]
    default, _, rest = clause.partition("{")
    default = default.strip().rstrip(",").strip()
    if default:
        reads.append(f"const {default} = {module}.default;\n")
    if rest:
        names = []
        for item in filter(None, (part.strip() for part in rest.rstrip("} \n").split(","))):
            public, _, local = (word.strip() for word in item.partition(" as "))
            names.append(f"{public}: {local}" if local else public)
        reads.append(f"const {{ {', '.join(names)} }} = {module};\n")
    if not reads:
        raise ValueError(f"{path}: cannot read the import clause {clause!r}")
    return reads

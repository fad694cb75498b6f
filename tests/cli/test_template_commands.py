"""`bizflow validate` and `bizflow run` through the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
BIZFLOW = Path(sys.executable).with_name("bizflow")
SEEDS_FLOW = ROOT / "templates_bp" / "assign_responsible.json"
RUN_KEYS = {"status", "document", "changes", "emails", "notifications", "variables", "log",
            "error"}

pytestmark = pytest.mark.skipif(not BIZFLOW.exists(),
                                reason="the bizflow console script is not installed "
                                       "(pip install -e . --no-deps)")


def bizflow(*args, cwd=None):
    return subprocess.run([str(BIZFLOW), *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def write(path, data):
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_validate_valid_files_exits_0_and_prints_nothing():
    result = bizflow("validate", SEEDS_FLOW, *sorted((ROOT / "templates_bp").glob("*.json")))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_validate_prints_one_line_per_error_and_exits_1(tmp_path):
    bad = write(tmp_path / "bad.json", {
        "format": "bizflow.template/1", "document_type": "lead",
        "nodes": [{"id": "start", "type": "start"}, {"id": "x", "type": "teleport"},
                  {"id": "m", "type": "log", "properties": {"text": "{=Document:NOPE}"}}],
        "edges": [{"from": "start", "to": "m"}, {"from": "m", "to": "ghost"}]})
    result = bizflow("validate", SEEDS_FLOW, bad)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert all(line.startswith(f"{bad}: node ") for line in lines)
    assert any(line.startswith(f"{bad}: node x: unknown block type") for line in lines)
    assert any(line.startswith(f"{bad}: node m: ") and "unknown document field NOPE" in line
               for line in lines)
    assert any(line.startswith(f"{bad}: node -: edge 1") for line in lines)


def test_validate_reports_unreadable_and_non_json_files(tmp_path):
    broken = write(tmp_path / "broken.json", "{not json")
    result = bizflow("validate", broken, tmp_path / "missing.json")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{broken}: node -: the file is not valid JSON")
    assert lines[1].startswith(f"{tmp_path / 'missing.json'}: node -: cannot read")


def run_json(*args):
    result = bizflow("run", *args)
    output = json.loads(result.stdout)
    assert set(output) == RUN_KEYS
    return result.returncode, output


def test_run_with_document_as_json_text():
    code, output = run_json(SEEDS_FLOW, "--document",
                            '{"TITLE": "Order", "CURRENCY_ID": "USD", "OPPORTUNITY": "600"}')
    assert code == 0
    assert output["status"] == "completed"
    assert output["document"]["OPPORTUNITY"] == 600
    assert output["changes"] == {"ASSIGNED_BY_ID": 3}
    assert output["emails"] == [{"to": ["user:3"], "cc": [], "subject": "New lead: Order",
                                 "body": "You are now responsible for the lead Order.\n"
                                         "Amount: 600 USD"}]
    assert output["error"] is None
    assert all(set(entry) == {"at", "node", "type", "message"} for entry in output["log"])


def test_run_with_document_file_params_and_type(tmp_path):
    tpl = write(tmp_path / "t.json", {
        "format": "bizflow.template/1", "document_type": "deal",
        "parameters": [{"id": "Reason", "type": "string", "required": True},
                       {"id": "Amount", "type": "number"}],
        "nodes": [{"id": "start", "type": "start"},
                  {"id": "note", "type": "modify_document",
                   "properties": {"fields": {
                       "COMMENTS": "{=Parameter:Reason} {=Parameter:Amount}"}}},
                  {"id": "pause", "type": "delay", "properties": {"for": "1d"}}],
        "edges": [{"from": "start", "to": "note"}, {"from": "note", "to": "pause"}]})
    document = write(tmp_path / "deal.json", {"TITLE": "Deal", "STAGE_ID": "NEW"})
    code, output = run_json(tpl, "--document", document, "--param", "Reason=call back",
                            "--param", "Amount=12.5", "--type", "deal")
    assert code == 0
    assert output["status"] == "waiting"
    assert output["changes"] == {"COMMENTS": "call back 12.5"}
    code, output = run_json(tpl, "--document", document, "--type", "lead",
                            "--param", "Reason=x")
    assert code == 1 and output["status"] == "failed"
    assert "deal" in output["error"]["message"]


def test_run_a_failing_block_and_an_invalid_template(tmp_path):
    tpl = write(tmp_path / "t.json", {
        "format": "bizflow.template/1", "document_type": "lead",
        "nodes": [{"id": "start", "type": "start"},
                  {"id": "set", "type": "modify_document",
                   "properties": {"fields": {"OPPORTUNITY": "{=Document:COMMENTS}"}}}],
        "edges": [{"from": "start", "to": "set"}]})
    code, output = run_json(tpl, "--document", '{"COMMENTS": "plenty"}')
    assert output["status"] == "failed"
    assert output["error"]["node"] == "set" and output["changes"] == {}
    invalid = write(tmp_path / "bad.json", {"format": "bizflow.template/1",
                                            "document_type": "lead", "nodes": []})
    code, output = run_json(invalid, "--document", "{}")
    assert code == 1 and output["status"] == "failed"
    assert "start" in output["error"]["message"]


def test_run_refuses_a_document_that_is_not_json(tmp_path):
    code, output = run_json(SEEDS_FLOW, "--document", "{oops")
    assert code == 1 and "--document" in output["error"]["message"]

"""`bizflow export` and `bizflow import`: templates as files, through the same service layer."""

from __future__ import annotations

import json

from app.commands.transfer import export_command, import_command


def small_template(name: str) -> dict:
    return {"format": "bizflow.template/1", "name": name, "document_type": "deal",
            "auto_start": ["create"],
            "nodes": [{"id": "start", "type": "start"}, {"id": "done", "type": "end"}],
            "edges": [{"from": "start", "to": "done"}]}


def test_import_then_export_round_trips_a_file(app, api, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(json.dumps(small_template("First")))
    second.write_text(json.dumps(small_template("Second")))
    runner = app.test_cli_runner()

    imported = runner.invoke(import_command, [str(first), str(second)])
    assert imported.exit_code == 0, imported.output
    items = api.get("/templates").get_json()["items"]
    assert [(item["name"], item["enabled"]) for item in items] == [("First", True),
                                                                   ("Second", True)]

    out = tmp_path / "out.json"
    exported = runner.invoke(export_command, [str(items[1]["id"]), "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text()) == small_template("Second")
    to_stdout = runner.invoke(export_command, [str(items[0]["id"])])
    assert json.loads(to_stdout.stdout) == small_template("First")


def test_import_reports_each_error_and_exits_1(app, api, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{oops")
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({**small_template("Bad"), "edges": [
        {"from": "start", "to": "ghost"}]}))
    result = app.test_cli_runner().invoke(import_command, [str(broken), str(invalid)])
    assert result.exit_code == 1
    assert "broken.json: not a JSON document" in result.output
    assert "invalid.json:" in result.output and "ghost" in result.output
    assert api.get("/templates").get_json()["items"] == []


def test_export_of_an_unknown_template_fails_cleanly(app):
    result = app.test_cli_runner().invoke(export_command, ["424242"])
    assert result.exit_code == 1
    assert "template 424242 not found" in result.output

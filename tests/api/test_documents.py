"""Library documents: multipart upload, download, safe names, size limit, deletion."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.services.documents_files import safe_filename


@pytest.fixture
def app_extra_config():
    return {"MAX_UPLOAD_BYTES": 64 * 1024}


def _upload(api, data: bytes, filename: str, fields: dict | None = None, **extra):
    form = {"file": (io.BytesIO(data), filename), **extra}
    if fields is not None:
        form["fields"] = json.dumps(fields)
    return api.client.post("/api/v1/documents", data=form, headers=api.headers,
                           content_type="multipart/form-data")


def test_upload_and_download_a_document(api, app):
    data = "Hợp đồng số 1\n".encode() * 10
    response = _upload(api, data, "../../Hợp đồng.txt",
                       {"LIBRARY": "LEGAL", "DESCRIPTION": "contract"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    fields = body["fields"]
    assert fields["NAME"] == "Hợp đồng.txt"
    assert fields["FILE_SIZE"] == len(data)
    assert fields["MIME_TYPE"] == "text/plain"
    assert fields["LIBRARY"] == "LEGAL"

    content = api.get(f"/documents/{body['id']}/content")
    assert content.status_code == 200
    assert content.data == data
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in content.headers["Content-Disposition"]

    stored = list(Path(app.config["FILES_DIR"]).iterdir())
    assert len(stored) == 1 and stored[0].name.isalnum()   # never the client's name
    assert api.delete(f"/documents/{body['id']}").status_code == 204
    assert list(Path(app.config["FILES_DIR"]).iterdir()) == []


def test_form_fields_may_also_be_sent_one_by_one(api):
    response = _upload(api, b"%PDF-1.4", "offer.pdf", NAME="Offer", FOLDER="2026")
    assert response.status_code == 201, response.get_json()
    fields = response.get_json()["fields"]
    assert (fields["NAME"], fields["FOLDER"], fields["MIME_TYPE"]) == \
        ("Offer", "2026", "application/pdf")


def test_a_file_over_the_limit_is_413_and_leaves_nothing(api, app):
    response = _upload(api, b"x" * (65 * 1024), "big.bin")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert api.get("/documents").get_json()["total"] == 0
    files_dir = Path(app.config["FILES_DIR"])
    assert not files_dir.exists() or list(files_dir.iterdir()) == []


def test_a_bad_field_in_an_upload_is_400_and_leaves_no_file(api, app):
    response = _upload(api, b"abc", "a.txt", {"LIBRARY": "NOPE"})
    assert response.status_code == 400
    assert "LIBRARY" in response.get_json()["error"]["message"]
    assert list(Path(app.config["FILES_DIR"]).iterdir()) == []


def test_upload_without_a_file_part_is_400(api):
    response = api.client.post("/api/v1/documents", data={"NAME": "x"}, headers=api.headers,
                               content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "file"


def test_file_size_is_read_only(api):
    response = api.post("/documents", {"fields": {"NAME": "x", "FILE_SIZE": 5}})
    assert response.status_code == 400
    assert "FILE_SIZE" in response.get_json()["error"]["message"]


def test_a_document_without_a_file_has_no_content(api):
    created = api.post("/documents", {"fields": {"NAME": "note"}}).get_json()
    assert api.get(f"/documents/{created['id']}/content").status_code == 404


def test_a_big_json_body_is_413(api, admin_headers):
    body = json.dumps({"fields": {"COMMENTS": "x" * (3 * 1024 * 1024)}})
    response = api.client.post("/api/v1/leads", data=body, headers={
        **admin_headers, "Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize(("name", "safe"), [
    ("../../etc/passwd", "passwd"), ("C:\\x\\y.doc", "y.doc"), (".env", "env"),
    ("", "file"), ("a\x00b.txt", "ab.txt"), ("Отчёт.pdf", "Отчёт.pdf"),
])
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe

"""The browser form that creates and edits records goes through the records service."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD


@pytest.fixture
def browser(client):
    client.post("/login", data={"login": "admin", "password": ADMIN_PASSWORD})
    return client


def test_create_and_edit_a_lead_through_the_form(browser, api):
    page = browser.get("/records/lead/new")
    assert page.status_code == 200
    assert b'name="TITLE"' in page.data and b'value="NEW"' in page.data   # status choices
    created = browser.post("/records/lead/new", data={
        "TITLE": "From the form", "OPPORTUNITY": "750", "CURRENCY_ID": "EUR",
        "EMAIL": "a@example.com, b@example.com", "STATUS_ID": ""})
    assert created.status_code == 302
    lead = api.get("/leads?TITLE=From the form").get_json()["items"][0]
    assert lead["fields"]["OPPORTUNITY"] == 750
    assert [e["VALUE"] for e in lead["fields"]["EMAIL"]] == ["a@example.com", "b@example.com"]
    assert lead["fields"]["STATUS_ID"] == "NEW"

    edit_url = f"/records/lead/{lead['id']}/edit"
    form = browser.get(edit_url)
    assert b'value="From the form"' in form.data
    # the browser sends every input back; only the changed one is a change
    data = {"TITLE": "From the form", "OPPORTUNITY": "750", "CURRENCY_ID": "EUR",
            "EMAIL": "a@example.com, b@example.com", "STATUS_ID": "IN_PROCESS",
            "COMMENTS": ""}
    assert browser.post(edit_url, data=data).status_code == 302
    after = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert after["STATUS_ID"] == "IN_PROCESS"
    assert after["DATE_CREATE"] == lead["fields"]["DATE_CREATE"]


def test_a_bad_value_shows_the_form_again_naming_the_field(browser, api):
    response = browser.post("/records/deal/new", data={"TITLE": "x", "OPPORTUNITY": "lots"})
    assert response.status_code == 400
    assert b"OPPORTUNITY" in response.data and b'value="lots"' in response.data
    assert api.get("/deals").get_json()["total"] == 0


def test_the_form_needs_a_known_type_and_record(browser):
    assert browser.get("/records/invoice/new").status_code == 404
    assert browser.get("/records/lead/999999/edit").status_code == 404


def test_anonymous_users_are_sent_to_login(app):
    response = app.test_client().get("/records/lead/new")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]

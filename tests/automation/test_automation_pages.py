"""Automation pages render, escape user text, and are read-only without the update right."""

from __future__ import annotations

import pytest
from automation_api import create, put_robots


def test_pipeline_page_shows_stages_robots_and_triggers_escaped(api, client, admin_headers):
    put_robots(api, "lead", "IN_PROCESS", [{"type": "history", "title": "<script>x</script>",
                                            "properties": {"text": "t"}}])
    api.post("/automation/lead/triggers", {"event": "webhook", "stage_id": "PROCESSED",
                                           "title": "Hook <b>"})
    page = client.get("/automation/lead/0", headers=admin_headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-stage-id="IN_PROCESS"' in html and 'data-robot-id="R1"' in html
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "Hook <b>" not in html
    assert 'href="/designer/' in html            # edit in designer
    assert 'data-action="add-robot"' in html


@pytest.mark.both_databases
def test_kanban_and_record_history_pages(api, client, admin_headers):
    lead = create(api, "leads", TITLE="Kanban <i>card</i>")
    api.patch(f"/leads/{lead['id']}", {"fields": {"STATUS_ID": "IN_PROCESS"}})
    board = client.get("/automation/lead/0/kanban", headers=admin_headers)
    html = board.get_data(as_text=True)
    assert f'data-record-id="{lead["id"]}"' in html and "<i>card</i>" not in html
    page = client.get(f"/automation/lead/records/{lead['id']}", headers=admin_headers)
    html = page.get_data(as_text=True)
    assert 'data-history-kind="stage_change"' in html and "NEW -&gt; IN_PROCESS" in html
    assert client.get("/automation/lead/records/999999", headers=admin_headers).status_code == 404
    assert client.get("/automation/contact/0", headers=admin_headers).status_code == 404


def test_the_page_is_read_only_without_the_update_right(app, client, api):
    from sqlalchemy import select

    from app.db import transaction
    from app.models.users import User
    from app.services.users import issue_token

    api.post("/users", {"fields": {"LOGIN": "viewer", "NAME": "Viewer"}, "roles": ["viewers"],
                        "password": "long-enough-password"})
    api.put("/automation/roles/viewers", {"lead": "read"})
    with app.app_context(), transaction(app) as session:
        token = issue_token(session, session.scalar(select(User).where(User.login == "viewer")))
    headers = {"Authorization": f"Bearer {token}"}
    html = client.get("/automation/lead/0", headers=headers).get_data(as_text=True)
    assert 'data-readonly="true"' in html and 'data-action="add-robot"' not in html
    assert client.get("/automation/deal/0", headers=headers).status_code == 403


def test_the_deal_page_lists_its_invoices_with_a_pay_button(api, client, admin_headers):
    deal = create(api, "deals", TITLE="Invoiced", OPPORTUNITY=50)
    paid = api.post(f"/deals/{deal['id']}/invoices", {"title": "<b>Paid</b>"}).get_json()
    api.post(f"/deals/{deal['id']}/invoices/{paid['id']}/pay")
    due = api.post(f"/deals/{deal['id']}/invoices", {"title": "Due"}).get_json()
    html = client.get(f"/automation/deal/records/{deal['id']}",
                      headers=admin_headers).get_data(as_text=True)
    assert f'data-invoice-id="{due["id"]}"' in html and "<b>Paid</b>" not in html
    assert html.count('class="pay"') == 1
    assert f'class="pay" data-invoice-id="{due["id"]}"' in html
    lead = create(api, "leads", TITLE="No invoices")
    html = client.get(f"/automation/lead/records/{lead['id']}",
                      headers=admin_headers).get_data(as_text=True)
    assert 'id="invoices"' not in html

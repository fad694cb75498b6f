"""Access: automation rights per role and document type (read or update), enforced by the API."""

from __future__ import annotations

from automation_api import Api, create


def user_api(app, client, api, login: str, role: str, rights: dict) -> Api:
    """A client authenticated as a new user whose only role has `rights`."""
    from sqlalchemy import select

    from app.db import transaction
    from app.models.users import User
    from app.services.users import issue_token

    response = api.post("/users", {"fields": {"LOGIN": login, "NAME": login},
                                   "roles": [role], "password": "long-enough-password"})
    assert response.status_code == 201, response.get_json()
    assert api.put(f"/automation/roles/{role}", rights).status_code == 200
    with app.app_context(), transaction(app) as session:
        token = issue_token(session, session.scalar(select(User).where(User.login == login)))
    return Api(client, {"Authorization": f"Bearer {token}"})


def test_read_right_sees_but_cannot_change_automation(app, client, api):
    reader = user_api(app, client, api, "reader", "viewers", {"lead": "read"})
    assert reader.get("/automation/rights").get_json()["lead"] == "read"
    assert reader.get("/automation/lead/stages/NEW/robots").status_code == 200
    assert reader.get("/automation/lead/triggers").status_code == 200
    put = reader.put("/automation/lead/stages/NEW/robots", {"version": 0, "robots": []})
    assert put.status_code == 403
    post = reader.post("/automation/lead/triggers", {"event": "visit", "stage_id": "NEW"})
    assert post.status_code == 403
    assert reader.post("/pipelines/lead/stages", {"name": "Mine"}).status_code == 403
    # No right at all on deals: even reading is refused.
    assert reader.get("/automation/deal/stages/NEW/robots").status_code == 403
    assert reader.get("/automation/deal/triggers").status_code == 403


def test_update_right_edits_automation_of_its_type_only(app, client, api):
    editor = user_api(app, client, api, "editor", "deal_admins", {"deal": "update"})
    response = editor.put("/automation/deal/stages/NEW/robots", {"version": 0, "robots": []})
    assert response.status_code == 200
    assert editor.post("/automation/deal/triggers",
                       {"event": "visit", "stage_id": "WON"}).status_code == 201
    assert editor.put("/automation/lead/stages/NEW/robots",
                      {"version": 0, "robots": []}).status_code == 403
    assert editor.put("/automation/roles/deal_admins", {"lead": "update"}).status_code == 403


def test_anonymous_callers_get_401_but_webhooks_need_only_their_token(api, anonymous_api):
    assert anonymous_api.get("/automation/lead/triggers").status_code == 401
    assert anonymous_api.post("/events", {"event": "visit"}).status_code == 401
    trigger = api.post("/automation/lead/triggers", {"event": "webhook",
                                                     "stage_id": "IN_PROCESS"}).get_json()
    lead = create(api, "leads", TITLE="Anon")
    response = anonymous_api.post(trigger["path"].removeprefix("/api/v1"),
                                  {"document_id": lead["id"]})
    assert response.get_json()["moved"] is True

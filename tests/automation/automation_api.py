"""Automation test helpers: a JSON API client, record/stage shortcuts and timer control."""

from __future__ import annotations

from typing import Any


class Api:
    """A thin JSON client over the Flask test client with fixed headers."""

    def __init__(self, client: Any, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def call(self, method: str, path: str, json: Any = None,
             headers: dict[str, str] | None = None) -> Any:
        return self.client.open(f"/api/v1{path}", method=method, json=json,
                                headers={**self.headers, **(headers or {})})

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.call("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.call("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.call("DELETE", path, **kwargs)


def create(api: Api, collection: str, **fields: Any) -> dict[str, Any]:
    """Create a record and return its JSON (asserting 201)."""
    response = api.post(f"/{collection}", {"fields": fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def put_robots(api: Api, document_type: str, stage: str, robots: list[dict[str, Any]]
               ) -> dict[str, Any]:
    """Replace a stage's robots (at its current version) and return the saved list."""
    current = api.get(f"/automation/{document_type}/stages/{stage}/robots").get_json()
    response = api.call("PUT", f"/automation/{document_type}/stages/{stage}/robots",
                        json={"version": current["version"], "robots": robots})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def stage_of(api: Api, collection: str, record_id: int, field: str = "STATUS_ID") -> str:
    return api.get(f"/{collection}/{record_id}").get_json()["fields"][field]


def instances_of(api: Api, document_type: str, record_id: int) -> list[dict[str, Any]]:
    """Instances running or run on a record, oldest first."""
    body = api.get(f"/instances?document_type={document_type}&document_id={record_id}")
    return sorted(body.get_json()["items"], key=lambda item: item["id"])


def history_of(app: Any, document_type: str, record_id: int) -> list[dict[str, Any]]:
    from app.db import read_transaction
    from app.services.history import record_history

    with app.app_context(), read_transaction(app) as session:
        return record_history(session, document_type, record_id)


def fire_timers(app: Any, instance_id: int, now: Any) -> int:
    """Fire the instance's open timers as if the clock showed `now` (the worker's job)."""
    from sqlalchemy import select

    from app.db import transaction
    from app.models.processes import Wait
    from app.services.timers import fire_wait

    fired = 0
    with app.app_context(), transaction(app) as session:
        ids = list(session.scalars(select(Wait.id).where(
            Wait.instance_id == instance_id, Wait.state == "open", Wait.kind == "timer")))
        for wait_id in ids:
            fired += fire_wait(session, wait_id, now)
    return fired


def open_timers(app: Any, instance_id: int) -> list[Any]:
    """Due times of the instance's open timers."""
    from sqlalchemy import select

    from app.db import read_transaction
    from app.models.processes import Wait

    with app.app_context(), read_transaction(app) as session:
        return list(session.scalars(select(Wait.due_at).where(
            Wait.instance_id == instance_id, Wait.state == "open", Wait.kind == "timer")))

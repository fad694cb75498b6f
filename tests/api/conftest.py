"""API test helpers: JSON calls with the admin token."""

from __future__ import annotations

from typing import Any

import pytest


class Api:
    """A thin JSON client over the Flask test client, authenticated as the admin by default."""

    def __init__(self, client: Any, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def call(self, method: str, path: str, json: Any = None, headers: dict[str, str] | None
             = None, **kwargs: Any) -> Any:
        merged = {**self.headers, **(headers or {})}
        return self.client.open(f"/api/v1{path}", method=method, json=json, headers=merged,
                                **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.call("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.call("DELETE", path, **kwargs)


@pytest.fixture
def api(client, admin_headers) -> Api:
    """JSON API client with the admin's Bearer token."""
    return Api(client, admin_headers)


@pytest.fixture
def anonymous_api(client) -> Api:
    """JSON API client without credentials."""
    return Api(client, {})

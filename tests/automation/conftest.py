"""Automation test fixtures: JSON API clients (admin and anonymous)."""

from __future__ import annotations

import pytest
from automation_api import Api


@pytest.fixture
def api(client, admin_headers) -> Api:
    """JSON API client with the admin's Bearer token."""
    return Api(client, admin_headers)


@pytest.fixture
def anonymous_api(client) -> Api:
    """JSON API client without credentials."""
    return Api(client, {})

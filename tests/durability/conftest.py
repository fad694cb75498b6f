"""Fixtures of the durability suite."""

from __future__ import annotations

import pytest
from durable_helpers import Api


@pytest.fixture
def api(client, admin_headers) -> Api:
    """The admin's JSON API client."""
    return Api(client, admin_headers["Authorization"].split()[1])

"""The run-time view a compiled value reads from; the runtime implements it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class Scope(Protocol):
    """Where compiled values and conditions read the running instance's data."""

    changed_fields: frozenset[str]

    def document(self, code: str) -> Any:
        """The document field's canonical value, None when absent."""

    def variable(self, id: str) -> Any:
        """The variable's current value (its default until set)."""

    def parameter(self, id: str) -> Any:
        """The start parameter's value."""

    def constant(self, id: str) -> Any:
        """The constant's value (compiled values inline constants and do not call this)."""

    def block_output(self, node: str, output: str) -> Any:
        """An output of an executed block; raises KeyError when it has not been produced."""

    def instance(self, key: str) -> Any:
        """"ID", "STARTED_BY" or "STARTED_AT" of the running instance."""

    def user(self, id: int) -> dict[str, Any] | None:
        """The user's ID, LOGIN, NAME, LAST_NAME, EMAIL; None without a directory."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""

"""Recipients (user ids, `user:ID`, e-mails, `role:NAME`) resolved to addresses or user ids."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from .fields import is_valid_email

MAX_ENTRIES = 1000


class Directory(Protocol):
    """The host's users and roles (None in a dry run)."""

    def user(self, id: int) -> dict[str, Any] | None: ...

    def role_members(self, name: str) -> list[int]: ...


class RecipientError(ValueError):
    """A recipient that cannot be resolved; the message names it."""


def resolve_recipients(values: Any, directory: Directory | None) -> list[str]:
    """E-mail addresses for `values`, deduplicated in order.

    With a directory users become their EMAIL and roles their active members' EMAILs;
    without one (a dry run) users are written `user:ID` and roles `role:NAME`.
    Inactive users (ACTIVE false) and role members without an address are skipped.
    """
    out: list[str] = []
    seen: set[str] = set()

    def add(address: str) -> None:
        key = address.lower()
        if key not in seen:
            seen.add(key)
            out.append(address)

    for kind, value in _entries(values):
        if kind == "email":
            add(value)
        elif directory is None:
            add(f"{kind}:{value}")
        elif kind == "user":
            user = _user(directory, value)
            if user.get("ACTIVE", True) is False:
                continue
            address = user.get("EMAIL")
            if not address:
                raise RecipientError(f"user {value} has no e-mail address")
            add(address)
        else:
            for member in _members(directory, value):
                user = directory.user(member)
                if user and user.get("ACTIVE", True) is not False and user.get("EMAIL"):
                    add(user["EMAIL"])
    return out


def resolve_users(values: Any, directory: Directory | None) -> list[Any]:
    """User ids for `values` (approvers, responsible, notifications), deduplicated in order.

    With a directory every user must exist and roles become their members' ids; without one
    (a dry run) roles stay as `"role:NAME"` strings. E-mail addresses are not users: error.
    """
    out: list[Any] = []
    seen: set[Any] = set()
    for kind, value in _entries(values):
        if kind == "email":
            raise RecipientError(f"{value} is an e-mail address; a user id, user:ID or "
                                 "role:NAME is needed here")
        if kind == "user":
            if directory is not None:
                _user(directory, value)
            ids = [value]
        elif directory is None:
            ids = [f"role:{value}"]
        else:
            ids = _members(directory, value)
        for item in ids:
            if item not in seen:
                seen.add(item)
                out.append(item)
    return out


def _user(directory: Directory, user_id: int) -> dict[str, Any]:
    user = directory.user(user_id)
    if user is None:
        raise RecipientError(f"unknown user {user_id}")
    return user


def _members(directory: Directory, role: str) -> list[int]:
    try:
        return list(directory.role_members(role))
    except KeyError:
        raise RecipientError(f"unknown role {role}") from None


def _entries(values: Any) -> Iterator[tuple[str, Any]]:
    """("user", id), ("role", name) or ("email", address) for each recipient in `values`."""
    count = 0
    for item in _flatten(values):
        count += 1
        if count > MAX_ENTRIES:
            raise RecipientError(f"more than {MAX_ENTRIES} recipients")
        yield _classify(item)


def _flatten(values: Any, depth: int = 0) -> Iterator[Any]:
    if values is None or values == "":
        return
    if isinstance(values, list | tuple):
        if depth > 8:
            raise RecipientError("recipients nested in lists more than 8 levels deep")
        for item in values:
            yield from _flatten(item, depth + 1)
    elif isinstance(values, str) and ("," in values or ";" in values):
        # A list rendered into text ("a@x.com, b@y.com") is still a list of recipients.
        for piece in values.replace(";", ",").split(","):
            if piece.strip():
                yield piece.strip()
    else:
        yield values


def _classify(item: Any) -> tuple[str, Any]:
    if isinstance(item, Mapping):
        if "VALUE" in item:
            return _classify(item["VALUE"])
        if "ID" in item:
            return _classify(item["ID"])
        raise RecipientError("a recipient object needs VALUE (an e-mail) or ID (a user)")
    if isinstance(item, bool):
        raise RecipientError(f"{item!r} is not a recipient")
    if isinstance(item, float) and item.is_integer():
        item = int(item)
    if isinstance(item, int):
        if item <= 0:
            raise RecipientError(f"{item} is not a user id")
        return "user", item
    if isinstance(item, str):
        text = item.strip()
        lower = text.lower()
        if text.isdecimal() and int(text) > 0:
            return "user", int(text)
        if lower.startswith("user:") and text[5:].strip().isdecimal() and int(text[5:]) > 0:
            return "user", int(text[5:])
        if lower.startswith("role:") and text[5:].strip() and len(text) <= 69:
            return "role", text[5:].strip()
        if is_valid_email(text):
            return "email", text
        raise RecipientError(f"{_short(text)} is not a user id, user:ID, role:NAME or "
                             "e-mail address")
    raise RecipientError(f"{_short(item)} is not a recipient")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

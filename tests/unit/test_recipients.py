"""Recipients: user ids, user:ID, e-mails, role:NAME, field values; with and without a directory."""

from __future__ import annotations

import re

import pytest
from expression_scope import Directory

from interpreter.recipients import RecipientError, resolve_recipients, resolve_users

EMAIL_FIELD = [{"VALUE": "client@example.org", "VALUE_TYPE": "WORK"},
               {"VALUE": "private@example.net", "VALUE_TYPE": "HOME"}]


@pytest.mark.parametrize("values, expected", [
    ([5], ["bob@example.com"]),
    (["5"], ["bob@example.com"]),
    (["user:7"], ["cy@example.com"]),
    ([" USER:7 "], ["cy@example.com"]),
    (5.0, ["bob@example.com"]),
    ({"ID": 1, "NAME": "Ada"}, ["ada@example.com"]),
    (["x@example.com"], ["x@example.com"]),
    (["role:Sales"], ["bob@example.com", "cy@example.com"]),
    ([EMAIL_FIELD], ["client@example.org", "private@example.net"]),
    ([[5, [7]], None, ""], ["bob@example.com", "cy@example.com"]),
    ("a@example.com, b@example.com; 5", ["a@example.com", "b@example.com", "bob@example.com"]),
    ([5, "user:5", "BOB@example.com", "role:Sales", 7], ["bob@example.com", "cy@example.com"]),
    (["role:Everyone"], ["ada@example.com", "bob@example.com", "cy@example.com"]),
    ([], []),
    (None, []),
])
def test_resolve_recipients_with_a_directory(values: object, expected: list[str]) -> None:
    assert resolve_recipients(values, Directory()) == expected


def test_dry_run_recipients_keep_users_and_roles_symbolic() -> None:
    values = [5, "user:7", "role:Sales", "x@example.com", EMAIL_FIELD, "5"]
    assert resolve_recipients(values, None) == [
        "user:5", "user:7", "role:Sales", "x@example.com", "client@example.org",
        "private@example.net"]


@pytest.mark.parametrize("values, message", [
    ([404], "unknown user 404"),
    (["user:404"], "unknown user 404"),
    ([11], "user 11 has no e-mail address"),
    (["role:Ghosts"], "unknown role Ghosts"),
    (["bob"], "'bob' is not a user id, user:ID, role:NAME or e-mail address"),
    (["a@b"], "'a@b' is not a user id"),
    ([0], "0 is not a user id"),
    ([-1], "-1 is not a user id"),
    ([True], "True is not a recipient"),
    ([{"NAME": "x"}], "needs VALUE (an e-mail) or ID (a user)"),
    ([2.5], "2.5 is not a recipient"),
    ([f"u{i}@example.com" for i in range(1001)], "more than 1000 recipients"),
])
def test_bad_recipients_get_a_clear_error(values: object, message: str) -> None:
    with pytest.raises(RecipientError, match=re.escape(message)):
        resolve_recipients(values, Directory())


def test_inactive_users_are_skipped() -> None:
    assert resolve_recipients([9, 5], Directory()) == ["bob@example.com"]


@pytest.mark.parametrize("values, expected", [
    ([5, "7", "user:1"], [5, 7, 1]),
    (["role:Sales", 5, 1], [5, 7, 1]),
    ({"ID": 7}, [7]),
    ("5, user:7", [5, 7]),
    (None, []),
])
def test_resolve_users_with_a_directory(values: object, expected: list[int]) -> None:
    assert resolve_users(values, Directory()) == expected


def test_resolve_users_in_a_dry_run_keeps_roles() -> None:
    assert resolve_users([404, "role:Sales", "404"], None) == [404, "role:Sales"]


@pytest.mark.parametrize("values, message", [
    (["x@example.com"], "x@example.com is an e-mail address; a user id"),
    ([EMAIL_FIELD], "client@example.org is an e-mail address"),
    ([404], "unknown user 404"),
    (["role:Ghosts"], "unknown role Ghosts"),
])
def test_resolve_users_errors(values: object, message: str) -> None:
    with pytest.raises(RecipientError, match=message):
        resolve_users(values, Directory())


def test_deeply_nested_recipient_lists_are_refused() -> None:
    values: object = 5
    for _ in range(50):
        values = [values]
    with pytest.raises(RecipientError, match="more than 8 levels"):
        resolve_recipients(values, Directory())

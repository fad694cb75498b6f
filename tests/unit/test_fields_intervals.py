"""Interval strings ("30s", "1d 4h") as timedeltas."""

from __future__ import annotations

from datetime import timedelta

import pytest

from interpreter.intervals import IntervalError, format_interval, parse_interval


@pytest.mark.parametrize("text, expected", [
    ("30s", timedelta(seconds=30)),
    ("15m", timedelta(minutes=15)),
    ("2h", timedelta(hours=2)),
    ("3d", timedelta(days=3)),
    ("1w", timedelta(weeks=1)),
    ("1d 4h", timedelta(days=1, hours=4)),
    ("1d4h30m", timedelta(days=1, hours=4, minutes=30)),
    (" 2H ", timedelta(hours=2)),
    ("1d, 2h", timedelta(days=1, hours=2)),
    ("0s", timedelta(0)),
    (90, timedelta(seconds=90)),
    (1.5, timedelta(seconds=1.5)),
])
def test_parse_interval(text: object, expected: timedelta) -> None:
    assert parse_interval(text) == expected


def test_negative_intervals_only_when_allowed() -> None:
    assert parse_interval("-1d 2h", allow_negative=True) == -timedelta(days=1, hours=2)
    with pytest.raises(IntervalError, match="must not be negative"):
        parse_interval("-1d")
    with pytest.raises(IntervalError, match="must not be negative"):
        parse_interval(-5)


@pytest.mark.parametrize("bad, message", [
    ("", "expected an interval"),
    ("soon", "expected a number and a unit"),
    ("5", "expected a number and a unit"),
    ("3x", "unknown unit 'x'"),
    ("1d 2", "expected a number and a unit"),
    ("2 days", "unknown unit 'days'"),
    ("99999w", "longer than 3660 days"),
    ("9" * 20 + "s", "longer than 3660 days"),
    (None, "expected an interval"),
    (True, "expected an interval"),
    ([1], "expected an interval"),
    (float("nan"), "NaN"),
])
def test_bad_intervals_get_a_clear_error(bad: object, message: str) -> None:
    with pytest.raises(IntervalError, match=message):
        parse_interval(bad)


@pytest.mark.parametrize("delta, text", [
    (timedelta(days=1, hours=4), "1d 4h"),
    (timedelta(weeks=2, seconds=5), "2w 5s"),
    (timedelta(0), "0s"),
    (-timedelta(hours=3), "-3h"),
])
def test_format_interval_round_trips(delta: timedelta, text: str) -> None:
    assert format_interval(delta) == text
    assert parse_interval(text, allow_negative=True) == delta

"""Working time for delays with `business_hours`: Monday-Friday, 09:00-18:00 local time."""

from __future__ import annotations

from datetime import datetime, time, timedelta

DAY_START = time(9, 0)
DAY_END = time(18, 0)
WORK_DAYS = frozenset(range(5))  # Monday..Friday


def next_working_moment(moment: datetime) -> datetime:
    """`moment` itself when it is working time, else the start of the next working period."""
    current = moment
    while True:
        if current.weekday() in WORK_DAYS:
            clock = current.timetz().replace(tzinfo=None)
            if clock < DAY_START:
                return _at(current, DAY_START)
            if clock < DAY_END:
                return current
        current = _at(current + timedelta(days=1), DAY_START)


def add_working_time(moment: datetime, delta: timedelta) -> datetime:
    """Add `delta` counting only working time: whole days are working days, the rest hours."""
    current = next_working_moment(moment)
    for _ in range(delta.days):
        current = next_working_moment(_same_clock_next_day(current))
    remaining = timedelta(seconds=delta.seconds, microseconds=delta.microseconds)
    while remaining > timedelta(0):
        day_end = _at(current, DAY_END)
        available = day_end - current
        if remaining < available:
            return current + remaining
        remaining -= available
        current = next_working_moment(day_end)
    return current


def _same_clock_next_day(moment: datetime) -> datetime:
    following = moment + timedelta(days=1)
    while following.weekday() not in WORK_DAYS:
        following += timedelta(days=1)
    return following


def _at(moment: datetime, clock: time) -> datetime:
    return moment.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)

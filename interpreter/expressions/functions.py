"""The formula functions, modelled on the well-known CRM's business-process formulas.

Argument order (optional arguments in brackets):

    abs(x)                 round(x [, digits=0])      ceil(x)      floor(x)
    min(a, b, ...)         max(a, b, ...)             (list arguments are flattened)
    intval(x)              floatval(x)                (leading number of a text, else 0)
    strlen(text)           substr(text, start [, length])  (negative start/length: from the end)
    upper(text)            lower(text)                trim(text)       concat(a, b, ...)
    if(condition, then [, else=null])    and(a, b, ...)    or(a, b, ...)    not(x)
    date(format [, moment=now])          (PHP date format letters: Y m d H i s D l M F j n ...)
    now()                  today()
    dateadd(moment, interval)            interval like "1d 2h", "-3d"
    workdateadd(moment, interval)        whole days count Monday-Friday only; a result that
                                         falls on a weekend moves on to Monday
    datediff(from, to [, unit="d"])      whole units from `from` to `to`: s m h d w
    randstring([length=10 [, characters=letters and digits]])
    number_format(x [, decimals=0 [, decimal_point="." [, thousands_separator=","]]])
    implode(separator, list)   explode(separator, text)   merge(list_or_value, ...)

A null date makes dateadd, workdateadd, datediff and date(format, null) return null / "".
"""

from __future__ import annotations

import calendar
import math
import re
import secrets
import string
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from ..fields import parse_datetime, render_text
from ..intervals import IntervalError, parse_interval
from .errors import ExpressionError
from .limits import Work, check_list_size, check_string, check_string_size
from .operators import as_moment, compare, normalize_number, to_number, truthy

MAX_RANDSTRING = 10_000
RANDSTRING_ALPHABET = string.ascii_letters + string.digits
DIFF_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800,
              "seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
_LEADING_INT = re.compile(r"^\s*[+-]?\d+")
_LEADING_FLOAT = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class Function(NamedTuple):
    min_args: int
    max_args: int | None  # None: any number
    run: Callable[[Any, Work, list[Any]], Any]  # (scope, work, evaluated arguments)


def _flatten(args: list[Any]) -> list[Any]:
    items: list[Any] = []
    for arg in args:
        if isinstance(arg, list):
            items.extend(arg)
        else:
            items.append(arg)
    return items


def _abs(scope: Any, work: Work, args: list[Any]) -> Any:
    return normalize_number(abs(to_number(args[0])))


def _round(scope: Any, work: Work, args: list[Any]) -> Any:
    digits = int(to_number(args[1])) if len(args) > 1 else 0
    if not -15 <= digits <= 15:
        raise ExpressionError("round: digits must be between -15 and 15")
    return _round_half_up(to_number(args[0]), digits)


def _round_half_up(value: int | float, digits: int) -> int | float:
    # Half away from zero, on the decimal text, so round(2.675, 2) is 2.68 as users expect.
    quantum = Decimal(1).scaleb(-digits)
    try:
        result = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ExpressionError("round: number out of range") from None
    return normalize_number(float(result) if digits > 0 else int(result))


def _ceil(scope: Any, work: Work, args: list[Any]) -> Any:
    return normalize_number(math.ceil(to_number(args[0])))


def _floor(scope: Any, work: Work, args: list[Any]) -> Any:
    return normalize_number(math.floor(to_number(args[0])))


def _extreme(sign: int) -> Callable[[Any, Work, list[Any]], Any]:
    def run(scope: Any, work: Work, args: list[Any]) -> Any:
        items = [item for item in _flatten(args) if item is not None and item != ""]
        work.charge(len(items))
        best = None
        for item in items:
            order = compare(item, best) if best is not None else sign
            if best is None or (order is not None and order * sign > 0):
                best = item
        return best
    return run


def _intval(scope: Any, work: Work, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, int | float) or value is None:
        return 0 if value is None else normalize_number(int(value))
    match = _LEADING_INT.match(render_text(value))
    return normalize_number(int(match.group())) if match else 0


def _floatval(scope: Any, work: Work, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, int | float) or value is None:
        return 0 if value is None else normalize_number(float(value))
    match = _LEADING_FLOAT.match(render_text(value))
    return normalize_number(float(match.group())) if match else 0


def _strlen(scope: Any, work: Work, args: list[Any]) -> Any:
    return len(render_text(args[0]))


def _substr(scope: Any, work: Work, args: list[Any]) -> Any:
    text = render_text(args[0])
    start = int(to_number(args[1]))
    rest = text[start:] if start >= 0 else text[max(len(text) + start, 0):]
    if len(args) < 3 or args[2] is None:
        return rest
    length = int(to_number(args[2]))
    return rest[:length] if length >= 0 else rest[:max(len(rest) + length, 0)]


def _upper(scope: Any, work: Work, args: list[Any]) -> Any:
    return check_string(render_text(args[0]).upper())


def _lower(scope: Any, work: Work, args: list[Any]) -> Any:
    return check_string(render_text(args[0]).lower())


def _trim(scope: Any, work: Work, args: list[Any]) -> Any:
    return render_text(args[0]).strip()


def _concat(scope: Any, work: Work, args: list[Any]) -> Any:
    pieces = [render_text(arg) for arg in args]
    size = sum(len(piece) for piece in pieces)
    check_string_size(size)
    work.charge(size)
    return "".join(pieces)


def _not(scope: Any, work: Work, args: list[Any]) -> Any:
    return not truthy(args[0])


def _now(scope: Any, work: Work, args: list[Any]) -> Any:
    return parse_datetime(scope.now())


def _today(scope: Any, work: Work, args: list[Any]) -> Any:
    return scope.now().date()


def _moment_arg(name: str, value: Any) -> date | datetime | None:
    if value is None or value == "":
        return None
    try:
        return as_moment(value)
    except ExpressionError as exc:
        raise ExpressionError(f"{name}: {exc.message}") from None


def _interval_arg(name: str, value: Any) -> timedelta:
    if not isinstance(value, str):
        raise ExpressionError(f"{name}: the interval must be text like \"1d 2h\", "
                              f"got {render_text(value)!r}")
    try:
        return parse_interval(value, allow_negative=True)
    except IntervalError as exc:
        raise ExpressionError(f"{name}: {exc}") from None


def _shift(moment: date | datetime, delta: timedelta) -> date | datetime:
    try:
        if type(moment) is date and delta % timedelta(days=1) == timedelta(0):
            return moment + delta
        return parse_datetime(moment) + delta
    except OverflowError:
        raise ExpressionError("date out of range") from None


def _dateadd(scope: Any, work: Work, args: list[Any]) -> Any:
    moment = _moment_arg("dateadd", args[0])
    delta = _interval_arg("dateadd", args[1])
    return None if moment is None else _shift(moment, delta)


def _workdateadd(scope: Any, work: Work, args: list[Any]) -> Any:
    moment = _moment_arg("workdateadd", args[0])
    delta = _interval_arg("workdateadd", args[1])
    if moment is None:
        return None
    negative = delta < timedelta(0)
    days, remainder = divmod(abs(delta), timedelta(days=1))
    step = timedelta(days=-1 if negative else 1)
    work.charge(days)
    while days:
        moment = _shift(moment, step)
        if moment.weekday() < 5:
            days -= 1
    moment = _shift(moment, -remainder if negative else remainder)
    while moment.weekday() >= 5:
        moment = _shift(moment, step)
    return moment


def _datediff(scope: Any, work: Work, args: list[Any]) -> Any:
    first = _moment_arg("datediff", args[0])
    second = _moment_arg("datediff", args[1])
    unit = render_text(args[2]).strip().lower() if len(args) > 2 else "d"
    if unit not in DIFF_UNITS:
        raise ExpressionError(f"datediff: unknown unit {unit!r}; use s, m, h, d or w")
    if first is None or second is None:
        return None
    if type(first) is date and type(second) is date:
        seconds = (second - first).days * 86400
    else:
        seconds = (parse_datetime(second) - parse_datetime(first)).total_seconds()
    return int(seconds / DIFF_UNITS[unit])


def _randstring(scope: Any, work: Work, args: list[Any]) -> Any:
    length = int(to_number(args[0])) if args else 10
    alphabet = render_text(args[1]) if len(args) > 1 else RANDSTRING_ALPHABET
    if not 1 <= length <= MAX_RANDSTRING:
        raise ExpressionError(f"randstring: length must be between 1 and {MAX_RANDSTRING:,}")
    if not alphabet or len(alphabet) > 10_000:
        raise ExpressionError("randstring: give between 1 and 10,000 characters to pick from")
    work.charge(length)
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _number_format(scope: Any, work: Work, args: list[Any]) -> Any:
    number = to_number(args[0])
    decimals = int(to_number(args[1])) if len(args) > 1 else 0
    point = render_text(args[2]) if len(args) > 2 else "."
    separator = render_text(args[3]) if len(args) > 3 else ","
    if not 0 <= decimals <= 20:
        raise ExpressionError("number_format: decimals must be between 0 and 20")
    if len(point) > 10 or len(separator) > 10:
        raise ExpressionError("number_format: separators may have at most 10 characters")
    try:
        rounded = Decimal(repr(number)).quantize(Decimal(1).scaleb(-decimals),
                                                 rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ExpressionError("number_format: number out of range") from None
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    groups = [whole[max(i - 3, 0):i] for i in range(len(whole), 0, -3)][::-1]
    text = sign + separator.join(groups) + (point + fraction if decimals else "")
    work.charge(len(text))
    return text


def _implode(scope: Any, work: Work, args: list[Any]) -> Any:
    separator, items = args[0], args[1]
    if isinstance(separator, list) and not isinstance(items, list):
        separator, items = items, separator  # implode(list, separator) is accepted too
    items = items if isinstance(items, list) else [items]
    pieces = [render_text(item) for item in items]
    glue = render_text(separator)
    size = sum(len(piece) for piece in pieces) + len(glue) * max(len(pieces) - 1, 0)
    check_string_size(size)
    work.charge(size)
    return glue.join(pieces)


def _explode(scope: Any, work: Work, args: list[Any]) -> Any:
    separator, text = render_text(args[0]), render_text(args[1])
    if not separator:
        raise ExpressionError("explode: the separator must not be empty")
    check_list_size(text.count(separator) + 1)
    items = text.split(separator)
    work.charge(len(items) + len(text))
    return items


def _merge(scope: Any, work: Work, args: list[Any]) -> Any:
    items = [item for item in _flatten(args) if item is not None]
    check_list_size(len(items))
    work.charge(len(items))
    return items


FORMAT_NAMES = {
    "D": lambda m: calendar.day_abbr[m.weekday()], "l": lambda m: calendar.day_name[m.weekday()],
    "M": lambda m: calendar.month_abbr[m.month], "F": lambda m: calendar.month_name[m.month],
}


def format_moment(fmt: str, moment: date | datetime) -> str:
    """`moment` written with PHP date() letters; a backslash makes the next letter literal."""
    dt = moment if isinstance(moment, datetime) else parse_datetime(moment)
    hour12 = dt.hour % 12 or 12
    letters = {
        "d": f"{dt.day:02d}", "j": str(dt.day), "N": str(dt.isoweekday()),
        "w": str(dt.isoweekday() % 7), "z": str(dt.timetuple().tm_yday - 1),
        "m": f"{dt.month:02d}", "n": str(dt.month), "t": str(calendar.monthrange(dt.year,
                                                                                dt.month)[1]),
        "Y": str(dt.year), "y": f"{dt.year % 100:02d}", "H": f"{dt.hour:02d}",
        "G": str(dt.hour), "h": f"{hour12:02d}", "g": str(hour12), "i": f"{dt.minute:02d}",
        "s": f"{dt.second:02d}", "A": "AM" if dt.hour < 12 else "PM",
        "a": "am" if dt.hour < 12 else "pm", "U": str(int(dt.timestamp())),
        "c": dt.isoformat(timespec="seconds"), "P": dt.strftime("%z")[:3] + ":"
        + dt.strftime("%z")[3:], "O": dt.strftime("%z"),
    }
    out = []
    escaped = False
    for ch in fmt:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in letters:
            out.append(letters[ch])
        elif ch in FORMAT_NAMES:
            out.append(FORMAT_NAMES[ch](dt))
        else:
            out.append(ch)
    return "".join(out)


def _date(scope: Any, work: Work, args: list[Any]) -> Any:
    fmt = render_text(args[0])
    if len(fmt) > 1000:
        raise ExpressionError("date: the format may have at most 1,000 characters")
    if len(args) > 1:
        moment = _moment_arg("date", args[1])
        if moment is None:
            return ""
    else:
        moment = parse_datetime(scope.now())
    work.charge(len(fmt) * 4)
    return format_moment(fmt, moment)


# Evaluated lazily by the compiler: if, and, or (their arity is checked here too).
LAZY = {"if": (2, 3), "and": (1, None), "or": (1, None)}

FUNCTIONS: dict[str, Function] = {
    "abs": Function(1, 1, _abs), "round": Function(1, 2, _round),
    "ceil": Function(1, 1, _ceil), "floor": Function(1, 1, _floor),
    "min": Function(1, None, _extreme(-1)), "max": Function(1, None, _extreme(1)),
    "intval": Function(1, 1, _intval), "floatval": Function(1, 1, _floatval),
    "strlen": Function(1, 1, _strlen), "substr": Function(2, 3, _substr),
    "upper": Function(1, 1, _upper), "lower": Function(1, 1, _lower),
    "trim": Function(1, 1, _trim), "concat": Function(1, None, _concat),
    "not": Function(1, 1, _not), "date": Function(1, 2, _date),
    "now": Function(0, 0, _now), "today": Function(0, 0, _today),
    "dateadd": Function(2, 2, _dateadd), "workdateadd": Function(2, 2, _workdateadd),
    "datediff": Function(2, 3, _datediff), "randstring": Function(0, 2, _randstring),
    "number_format": Function(1, 4, _number_format), "implode": Function(2, 2, _implode),
    "explode": Function(2, 2, _explode), "merge": Function(0, None, _merge),
}
FUNCTION_NAMES = tuple(sorted((*FUNCTIONS, *LAZY)))

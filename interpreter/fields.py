"""Document types, their standard and custom fields, and coercion of values to field types."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

DOCUMENT_TYPES = ("lead", "contact", "company", "deal", "document")
FIELD_TYPES = ("string", "text", "integer", "number", "boolean", "date", "datetime", "user",
               "list", "crm_status", "email", "phone", "file", "crm_ref")

CUSTOM_CODE = re.compile(r"^UF_[A-Z0-9_]{1,60}$")
MAX_STRING_LENGTH = 1024
MAX_TEXT_LENGTH = 1_000_000
MAX_MULTIPLE_VALUES = 1000
_MAX_INT = 2**63 - 1


@dataclass(frozen=True)
class FieldDef:
    """One field of a document type: standard (SPEC 2) or custom (`UF_...`)."""

    code: str
    type: str
    title: str
    multiple: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (id, title) for list fields
    read_only: bool = False
    required: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The field as the API lists it (GET /document-types/{type}/fields)."""
        return {
            "code": self.code, "type": self.type, "title": self.title,
            "multiple": self.multiple,
            "options": [{"id": key, "title": title} for key, title in self.options],
            "read_only": self.read_only, "required": self.required,
        }


class FieldValueError(ValueError):
    """A value that does not fit a field; `code` is a stable error code, `field` the field code."""

    def __init__(self, code: str, field: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


# --- list options -------------------------------------------------------------------------

CURRENCIES = (
    ("EUR", "Euro"), ("USD", "US dollar"), ("RUB", "Russian rouble"), ("VND", "Vietnamese dong"),
    ("GBP", "Pound sterling"), ("CHF", "Swiss franc"), ("JPY", "Japanese yen"),
    ("CNY", "Chinese yuan"), ("UAH", "Ukrainian hryvnia"), ("KZT", "Kazakhstani tenge"),
    ("BYN", "Belarusian rouble"), ("PLN", "Polish zloty"), ("CZK", "Czech koruna"),
    ("SEK", "Swedish krona"), ("NOK", "Norwegian krone"), ("DKK", "Danish krone"),
    ("CAD", "Canadian dollar"), ("AUD", "Australian dollar"), ("NZD", "New Zealand dollar"),
    ("INR", "Indian rupee"), ("BRL", "Brazilian real"), ("MXN", "Mexican peso"),
    ("TRY", "Turkish lira"), ("AED", "UAE dirham"), ("SGD", "Singapore dollar"),
    ("HKD", "Hong Kong dollar"), ("KRW", "South Korean won"), ("THB", "Thai baht"),
    ("IDR", "Indonesian rupiah"), ("MYR", "Malaysian ringgit"), ("PHP", "Philippine peso"),
    ("ZAR", "South African rand"), ("ILS", "Israeli new shekel"), ("HUF", "Hungarian forint"),
    ("RON", "Romanian leu"), ("BGN", "Bulgarian lev"), ("MAD", "Moroccan dirham"),
    ("XOF", "West African CFA franc"),
)
SOURCES = (
    ("CALL", "Call"), ("EMAIL", "E-mail"), ("WEB", "Website"), ("ADVERTISING", "Advertising"),
    ("PARTNER", "Existing client or partner"), ("RECOMMENDATION", "By recommendation"),
    ("TRADE_SHOW", "Trade show"), ("WEBFORM", "CRM form"), ("CALLBACK", "Callback"),
    ("STORE", "Online store"), ("OTHER", "Other"),
)
CONTACT_TYPES = (("CLIENT", "Client"), ("SUPPLIER", "Supplier"), ("PARTNER", "Partner"),
                 ("OTHER", "Other"))
DEAL_TYPES = (("SALE", "Sales"), ("COMPLEX", "Integrated sale"), ("GOODS", "Merchandise sale"),
              ("SERVICES", "Services sale"), ("SERVICE", "After-sales service"))
COMPANY_TYPES = (("CUSTOMER", "Customer"), ("SUPPLIER", "Supplier"),
                 ("COMPETITOR", "Competitor"), ("PARTNER", "Partner"), ("OTHER", "Other"))
INDUSTRIES = (
    ("IT", "Information technology"), ("TELECOM", "Telecommunications"),
    ("MANUFACTURING", "Manufacturing"), ("BANKING", "Banking"), ("CONSULTING", "Consulting"),
    ("FINANCE", "Finance"), ("GOVERNMENT", "Government"), ("DELIVERY", "Delivery"),
    ("ENTERTAINMENT", "Entertainment"), ("NOTPROFIT", "Non-profit"), ("OTHER", "Other"),
)
LIBRARIES = (("SHARED", "Shared documents"), ("SALES", "Sales"), ("MARKETING", "Marketing"),
             ("LEGAL", "Legal"), ("HR", "Human resources"))
EMAIL_VALUE_TYPES = ("WORK", "HOME", "MAILING", "OTHER")
PHONE_VALUE_TYPES = ("WORK", "MOBILE", "FAX", "HOME", "PAGER", "MAILING", "OTHER")

# (id, name, semantics); the app seeds the editable pipelines from these.
DEFAULT_LEAD_STATUSES = (
    ("NEW", "Unassigned", "process"), ("IN_PROCESS", "In progress", "process"),
    ("PROCESSED", "Processed", "process"), ("CONVERTED", "Good lead", "success"),
    ("JUNK", "Junk lead", "failure"),
)
DEFAULT_DEAL_STAGES = (
    ("NEW", "New", "process"), ("PREPARATION", "Preparing documents", "process"),
    ("PREPAYMENT_INVOICE", "Prepayment invoice", "process"),
    ("EXECUTING", "In progress", "process"), ("FINAL_INVOICE", "Final invoice", "process"),
    ("WON", "Deal won", "success"), ("LOSE", "Deal lost", "failure"),
)


# --- standard fields ----------------------------------------------------------------------

def _f(code: str, type_: str, title: str, **extra: Any) -> FieldDef:
    return FieldDef(code=code, type=type_, title=title, **extra)


_COMMON_HEAD = (_f("ID", "integer", "ID", read_only=True),)
_COMMON_TAIL = (
    _f("DATE_CREATE", "datetime", "Created on", read_only=True),
    _f("DATE_MODIFY", "datetime", "Modified on", read_only=True),
    _f("CREATED_BY_ID", "user", "Created by", read_only=True),
    _f("MODIFY_BY_ID", "user", "Modified by", read_only=True),
    _f("ASSIGNED_BY_ID", "user", "Responsible person"),
    _f("COMMENTS", "text", "Comment"),
)
_NAME = _f("NAME", "string", "Name")
_SECOND_NAME = _f("SECOND_NAME", "string", "Second name")
_LAST_NAME = _f("LAST_NAME", "string", "Last name")
_TITLE = _f("TITLE", "string", "Title")
_POST = _f("POST", "string", "Position")
_SOURCE = _f("SOURCE_ID", "list", "Source", options=SOURCES)
_CURRENCY = _f("CURRENCY_ID", "list", "Currency", options=CURRENCIES)
_OPPORTUNITY = _f("OPPORTUNITY", "number", "Amount")
_EMAIL = _f("EMAIL", "email", "E-mail")
_PHONE = _f("PHONE", "phone", "Phone")
_WEB = _f("WEB", "string", "Website")
_ADDRESS = _f("ADDRESS", "text", "Address")
_CONTACT = _f("CONTACT_ID", "crm_ref", "Contact")
_COMPANY = _f("COMPANY_ID", "crm_ref", "Company")

_SPECIFIC: dict[str, tuple[FieldDef, ...]] = {
    "lead": (
        _TITLE, _NAME, _SECOND_NAME, _LAST_NAME,
        _f("COMPANY_TITLE", "string", "Company name"), _POST,
        _f("STATUS_ID", "crm_status", "Status"), _SOURCE,
        _f("SOURCE_DESCRIPTION", "text", "Source information"),
        _OPPORTUNITY, _CURRENCY, _EMAIL, _PHONE, _WEB, _ADDRESS, _CONTACT, _COMPANY,
    ),
    "contact": (
        _NAME, _SECOND_NAME, _LAST_NAME, _POST,
        _f("TYPE_ID", "list", "Contact type", options=CONTACT_TYPES), _SOURCE,
        _EMAIL, _PHONE, _WEB, _ADDRESS, _COMPANY, _f("BIRTHDATE", "date", "Date of birth"),
    ),
    "company": (
        _TITLE, _f("COMPANY_TYPE", "list", "Company type", options=COMPANY_TYPES),
        _f("INDUSTRY", "list", "Industry", options=INDUSTRIES),
        _f("REVENUE", "number", "Annual revenue"), _CURRENCY,
        _f("EMPLOYEES", "integer", "Employees"), _EMAIL, _PHONE, _WEB, _ADDRESS,
    ),
    "deal": (
        _TITLE, _f("CATEGORY_ID", "string", "Pipeline"), _f("STAGE_ID", "crm_status", "Stage"),
        _OPPORTUNITY, _CURRENCY, _f("PROBABILITY", "integer", "Probability, %"),
        _f("TYPE_ID", "list", "Deal type", options=DEAL_TYPES), _SOURCE, _CONTACT, _COMPANY,
        _f("LEAD_ID", "crm_ref", "Lead"), _f("BEGINDATE", "date", "Start date"),
        _f("CLOSEDATE", "date", "Close date"), _f("CLOSED", "boolean", "Closed"),
    ),
    "document": (
        _NAME, _f("LIBRARY", "list", "Library", options=LIBRARIES),
        _f("FOLDER", "string", "Folder"), _f("FILE_SIZE", "integer", "File size", read_only=True),
        _f("MIME_TYPE", "string", "MIME type", read_only=True),
        _f("DESCRIPTION", "text", "Description"),
    ),
}

_STANDARD: dict[str, dict[str, FieldDef]] = {
    doc_type: {f.code: f for f in (*_COMMON_HEAD, *specific, *_COMMON_TAIL)}
    for doc_type, specific in _SPECIFIC.items()
}


def _check_type(document_type: str) -> None:
    if document_type not in _STANDARD:
        raise FieldValueError("unknown_document_type", None,
                              f"unknown document type {document_type!r}; "
                              f"expected one of {', '.join(DOCUMENT_TYPES)}")


def standard_fields(document_type: str) -> dict[str, FieldDef]:
    """The standard fields of a document type, in SPEC order (a fresh dict each call)."""
    _check_type(document_type)
    return dict(_STANDARD[document_type])


def field_map(document_type: str, custom: Iterable[FieldDef] = ()) -> dict[str, FieldDef]:
    """Standard fields plus the given `UF_` custom fields of a document type."""
    fields = standard_fields(document_type)
    for field in custom:
        if not CUSTOM_CODE.match(field.code):
            raise FieldValueError("invalid_field_code", field.code,
                                  f"custom field code {field.code!r} must match "
                                  f"{CUSTOM_CODE.pattern}")
        fields[field.code] = field
    return fields


def custom_field(data: Mapping[str, Any]) -> FieldDef:
    """A `UF_` FieldDef from its API form {code, type, title, multiple, options, required}."""
    if not isinstance(data, Mapping):
        raise FieldValueError("invalid_field", None, "a custom field must be an object")
    code = data.get("code")
    if not isinstance(code, str) or not CUSTOM_CODE.match(code):
        raise FieldValueError("invalid_field_code", None,
                              f"custom field code {code!r} must match {CUSTOM_CODE.pattern}")
    type_ = data.get("type")
    if type_ not in FIELD_TYPES:
        raise FieldValueError("invalid_field_type", code,
                              f"{code}: type {type_!r} is not one of {', '.join(FIELD_TYPES)}")
    title = data.get("title", code)
    if not isinstance(title, str) or not title.strip() or len(title) > 255:
        raise FieldValueError("invalid_field", code, f"{code}: title must be 1-255 characters")
    options = _parse_options(code, data.get("options") or ())
    if type_ == "list" and not options:
        raise FieldValueError("invalid_field", code, f"{code}: a list field needs options")
    flags = {}
    for flag in ("multiple", "required"):
        value = data.get(flag, False)
        if not isinstance(value, bool):
            raise FieldValueError("invalid_field", code, f"{code}: {flag} must be true or false")
        flags[flag] = value
    return FieldDef(code=code, type=type_, title=title, options=options, **flags)


def _parse_options(code: str, raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list | tuple):
        raise FieldValueError("invalid_field", code, f"{code}: options must be a list")
    options = []
    for item in raw:
        if isinstance(item, str):
            key, title = item, item
        elif isinstance(item, Mapping):
            key, title = item.get("id"), item.get("title", item.get("id"))
        elif isinstance(item, list | tuple) and len(item) == 2:
            key, title = item
        else:
            key, title = None, None
        if not isinstance(key, str) or not key or not isinstance(title, str):
            raise FieldValueError("invalid_field", code,
                                  f"{code}: each option needs a string id and title")
        options.append((key, title))
    if len({key for key, _ in options}) != len(options):
        raise FieldValueError("invalid_field", code, f"{code}: option ids must be unique")
    return tuple(options)


# --- coercion -----------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")
_INT_RE = re.compile(r"^[+-]?\d+$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_TRUE = {"y", "yes", "true", "1"}
_FALSE = {"n", "no", "false", "0"}


def is_valid_email(text: str) -> bool:
    """True when `text` looks like a deliverable e-mail address (user@domain.tld)."""
    return len(text) <= 254 and bool(_EMAIL_RE.match(text))


def coerce_value(field: FieldDef, value: Any) -> Any:
    """The canonical value of `value` for `field`, or FieldValueError naming the field."""
    if value is None:
        return None
    if field.multiple and field.type not in ("email", "phone"):
        items = value if isinstance(value, list | tuple) else [value]
        if len(items) > MAX_MULTIPLE_VALUES:
            raise _bad(field, f"at most {MAX_MULTIPLE_VALUES} values")
        result = []
        for item in items:
            if item is None:
                raise _bad(field, "a multiple field cannot hold null items")
            coerced = _COERCERS[field.type](field, item)
            if coerced is not None:  # "" items (empty form inputs) are dropped
                result.append(coerced)
        return result
    if isinstance(value, list | tuple) and field.type not in ("email", "phone"):
        raise _bad(field, "expected one value, got a list (the field is not multiple)")
    return _COERCERS[field.type](field, value)


def _bad(field: FieldDef, detail: str) -> FieldValueError:
    return FieldValueError("invalid_value", field.code, f"{field.code}: {detail}")


def _text(field: FieldDef, value: Any, limit: int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad(field, f"expected a string, got {_kind(value)}")
    text = value if isinstance(value, str) else render_text(value)
    if len(text) > limit:
        raise _bad(field, f"longer than {limit} characters")
    return text


def _string(field: FieldDef, value: Any) -> str:
    return _text(field, value, MAX_STRING_LENGTH)


def _long_text(field: FieldDef, value: Any) -> str:
    return _text(field, value, MAX_TEXT_LENGTH)


def _integer(field: FieldDef, value: Any) -> int | None:
    if isinstance(value, bool):
        raise _bad(field, "expected an integer, got a boolean")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if _INT_RE.match(text):
            value = int(text)
        elif _NUMBER_RE.match(text):
            value = float(text)
        else:
            raise _bad(field, f"expected an integer, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise _bad(field, f"expected an integer, got {render_text(value)}")
        value = int(value)
    if not isinstance(value, int):
        raise _bad(field, f"expected an integer, got {_kind(value)}")
    if abs(value) > _MAX_INT:
        raise _bad(field, "integer out of range")
    return value


def _number(field: FieldDef, value: Any) -> int | float | None:
    if isinstance(value, bool):
        raise _bad(field, "expected a number, got a boolean")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not _NUMBER_RE.match(text):
            raise _bad(field, f"expected a number, got {value!r}")
        value = int(text) if _INT_RE.match(text) else float(text)
    if isinstance(value, int):
        if abs(value) > _MAX_INT:
            raise _bad(field, "number out of range")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _bad(field, "expected a finite number")
        return int(value) if value.is_integer() and abs(value) <= _MAX_INT else value
    raise _bad(field, f"expected a number, got {_kind(value)}")


def _boolean(field: FieldDef, value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _bad(field, f"expected a boolean (true/false, Y/N, 1/0), got {value!r}")


def parse_date(value: Any) -> date:
    """A date from a date, a datetime or an ISO 'YYYY-MM-DD[...]' string; ValueError if not."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        text = value.strip()
        if len(text) == 10:
            return date.fromisoformat(text)
        return parse_datetime(text).date()
    raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")


def parse_datetime(value: Any) -> datetime:
    """A timezone-aware datetime (naive input means UTC) from a datetime, date or ISO string."""
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and _DATE_RE.match(value.strip()):
        text = value.strip()
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        try:
            result = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"expected an ISO 8601 date and time, got {value!r}") from None
    else:
        raise ValueError(f"expected an ISO 8601 date and time, got {value!r}")
    if result.tzinfo is None:
        result = result.replace(tzinfo=UTC)
    return result


def _date(field: FieldDef, value: Any) -> str | None:
    if isinstance(value, str) and not value.strip():
        return None
    try:
        return parse_date(value).isoformat()
    except ValueError as exc:
        raise _bad(field, str(exc)) from None


def _datetime(field: FieldDef, value: Any) -> str | None:
    if isinstance(value, str) and not value.strip():
        return None
    try:
        return parse_datetime(value).isoformat(timespec="seconds")
    except ValueError as exc:
        raise _bad(field, str(exc)) from None


def _user(field: FieldDef, value: Any) -> int | None:
    if isinstance(value, Mapping) and "ID" in value:
        value = value["ID"]
    if isinstance(value, str) and value.strip().lower().startswith("user:"):
        value = value.strip()[5:]
    return _positive_id(field, value, "a user id")


_USER = FieldDef(code="user", type="user", title="User")


def parse_user_id(value: Any) -> int:
    """A user id from 5, "5", "user:5" or {"ID": 5}; FieldValueError otherwise."""
    result = _user(_USER, value)
    if result is None:
        raise FieldValueError("invalid_value", None, "expected a user id, got an empty value")
    return result


def _crm_ref(field: FieldDef, value: Any) -> int | None:
    return _positive_id(field, value, "a record id")


def _positive_id(field: FieldDef, value: Any, what: str) -> int | None:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.isdecimal():
            value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MAX_INT:
        raise _bad(field, f"expected {what} (a positive integer), got {value!r}")
    return value


def _list(field: FieldDef, value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = render_text(value)
    if not isinstance(value, str):
        raise _bad(field, f"expected one of the list options, got {_kind(value)}")
    text = value.strip()
    if not text:
        return None
    if not field.options:
        return text
    for key, _title in field.options:
        if key == text:
            return key
    for key, _title in field.options:
        if key.lower() == text.lower():
            return key
    allowed = ", ".join(key for key, _ in field.options[:12])
    if len(field.options) > 12:
        allowed += ", ..."
    raise _bad(field, f"{text!r} is not one of the options ({allowed})")


def _crm_status(field: FieldDef, value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _bad(field, f"expected a stage or status id, got {_kind(value)}")
    text = value.strip()
    if len(text) > 64:
        raise _bad(field, "a stage or status id has at most 64 characters")
    return text or None


def _multi(field: FieldDef, value: Any, allowed_types: tuple[str, ...],
           check: Any) -> list[dict[str, str]]:
    items = value if isinstance(value, list | tuple) else [value]
    if len(items) > MAX_MULTIPLE_VALUES:
        raise _bad(field, f"at most {MAX_MULTIPLE_VALUES} values")
    result = []
    for item in items:
        value_type = allowed_types[0]
        if isinstance(item, Mapping):
            raw_type = item.get("VALUE_TYPE") or value_type
            if not isinstance(raw_type, str) or raw_type.upper() not in allowed_types:
                raise _bad(field, f"VALUE_TYPE {raw_type!r} is not one of "
                                  f"{', '.join(allowed_types)}")
            value_type = raw_type.upper()
            item = item.get("VALUE")
        if not isinstance(item, str):
            raise _bad(field, f"expected a string or {{\"VALUE\", \"VALUE_TYPE\"}}, "
                              f"got {_kind(item)}")
        text = item.strip()
        if not text:
            continue
        check(field, text)
        result.append({"VALUE": text, "VALUE_TYPE": value_type})
    return result


def _check_email(field: FieldDef, text: str) -> None:
    if not is_valid_email(text):
        raise _bad(field, f"{text!r} is not a valid e-mail address")


def _check_phone(field: FieldDef, text: str) -> None:
    if not _PHONE_RE.match(text) or sum(ch.isdigit() for ch in text) < 3:
        raise _bad(field, f"{text!r} is not a valid phone number")


def _email(field: FieldDef, value: Any) -> list[dict[str, str]]:
    return _multi(field, value, EMAIL_VALUE_TYPES, _check_email)


def _phone(field: FieldDef, value: Any) -> list[dict[str, str]]:
    return _multi(field, value, PHONE_VALUE_TYPES, _check_phone)


def _file(field: FieldDef, value: Any) -> Any:
    # A file is referenced by its stored id, a name/URL, or an object describing it.
    if isinstance(value, str):
        return _string(field, value) if value.strip() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return _positive_id(field, value, "a file id")
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return dict(value)
    raise _bad(field, f"expected a file id, name or object, got {_kind(value)}")


_COERCERS = {
    "string": _string, "text": _long_text, "integer": _integer, "number": _number,
    "boolean": _boolean, "date": _date, "datetime": _datetime, "user": _user,
    "list": _list, "crm_status": _crm_status, "email": _email, "phone": _phone,
    "file": _file, "crm_ref": _crm_ref,
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


# --- rendering ----------------------------------------------------------------------------

def render_text(value: Any) -> str:
    """A canonical value as text: lists joined by ', ', 500.0 as '500', e-mails by VALUE."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return str(value)
    if kind is float:
        return render_float(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return render_float(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(render_text(item) for item in value)
    if isinstance(value, Mapping):
        if "VALUE" in value:
            return render_text(value["VALUE"])
        return ", ".join(f"{key}: {render_text(item)}" for key, item in value.items())
    return str(value)


def render_float(value: float) -> str:
    """A float as render_text gives it (text joiners call it directly: one call less)."""
    text = repr(value)
    if len(text) <= 16 and text[-1] in "123456789" and "e" not in text:
        # The common case, a finite fraction like 217.5: what the slow path below gives too.
        # A repr has no trailing zero after its point, so it ends in 1-9 exactly when it is
        # not integral ("500.0"), not inf or nan, and has no exponent ("1e-05" has "e").
        return text
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if len(text) <= 16 and "e" not in text:
        # At most 15 significant digits: the shortest form is exactly what ".15g" gives
        # (15 digits survive a trip through a double), and repr is twice as fast.
        return text
    text = format(value, ".15g")
    if "e" in text and abs(value) >= 1:
        text = format(value, ".15f").rstrip("0").rstrip(".")
    return text

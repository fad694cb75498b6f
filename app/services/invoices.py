"""Invoices and quotes of a deal: create, change, pay (paying fires the `invoice.paid` trigger).

They are items of a deal, not a sixth document type: no fields API, no processes of their own.
Amount and currency are checked with the deal's OPPORTUNITY and CURRENCY_ID field types, so
they accept exactly what the deal accepts. A paid invoice is final.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.models.base import utcnow
from app.models.invoices import KINDS, STATUSES, Invoice
from app.models.processes import Instance
from app.models.records import Record
from app.services import history, triggers
from app.services.instances import register_call_handler
from interpreter.fields import FieldValueError, coerce_value, field_map

NUMBER_PREFIX = {"invoice": "INV", "quote": "Q"}
MAX_AMOUNT = 10**15            # the column holds 16 digits before the decimal point
_EDITABLE = ("title", "amount", "currency", "status")
_DEAL_FIELDS = field_map("deal")


def _bad(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_value", f"{field}: {message}",
                    [{"field": field, "code": "invalid_value", "message": message}])


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ApiError(404, "not_found", f"{kind!r} is not an item of a deal (invoice, quote)")
    return kind


def _amount(raw: Any) -> float:
    try:
        value = coerce_value(_DEAL_FIELDS["OPPORTUNITY"], raw)
    except FieldValueError as error:
        raise _bad("amount", error.message.removeprefix("OPPORTUNITY: ")) from None
    if value is None:
        return 0
    if not 0 <= value < MAX_AMOUNT:
        raise _bad("amount", f"must be 0 or more and below {MAX_AMOUNT}")
    return round(value, 2)


def _currency(raw: Any) -> str:
    try:
        value = coerce_value(_DEAL_FIELDS["CURRENCY_ID"], raw)
    except FieldValueError as error:
        raise _bad("currency", error.message.removeprefix("CURRENCY_ID: ")) from None
    return value or ""


def _title(raw: Any) -> str:
    if not isinstance(raw, str) or len(raw) > 255:
        raise _bad("title", "must be a string (max 255 characters)")
    return raw


def _status(kind: str, raw: Any) -> str:
    allowed = [s for s in STATUSES[kind] if s != "paid"]
    if raw == "paid" and kind == "invoice":
        raise _bad("status", "an invoice is marked paid with POST .../invoices/{id}/pay")
    if raw not in allowed:
        raise _bad("status", f"{raw!r} is not a {kind} status (one of {', '.join(allowed)})")
    return raw


def _values(kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
    for key in sorted(set(body) - set(_EDITABLE)):
        if key not in ("id", "deal_id", "kind", "number", "created_at", "updated_at",
                       "paid_at", "created_by_id"):
            raise _bad(key, f"unknown property (allowed: {', '.join(_EDITABLE)})")
    checks = {"title": _title, "amount": _amount, "currency": _currency,
              "status": lambda raw: _status(kind, raw)}
    return {key: check(body[key]) for key, check in checks.items() if key in body}


def list_items(session: Session, deal: Record, kind: str) -> list[Invoice]:
    return list(session.scalars(select(Invoice).where(
        Invoice.deal_id == deal.id, Invoice.kind == check_kind(kind)).order_by(Invoice.id)))


def get_item(session: Session, deal: Record, kind: str, item_id: int,
             for_update: bool = False) -> Invoice:
    item = session.get(Invoice, item_id, with_for_update=for_update) \
        if 0 < item_id < 2**63 else None
    if item is None or item.deal_id != deal.id or item.kind != check_kind(kind):
        raise ApiError(404, "not_found", f"deal {deal.id} has no {kind} {item_id}")
    return item


def create_item(session: Session, deal: Record, kind: str, body: Mapping[str, Any],
                actor: int | None) -> Invoice:
    """A new invoice or quote; amount and currency default to the deal's."""
    check_kind(kind)
    values = _values(kind, body)
    fields = deal.fields
    values.setdefault("title", f"{kind.capitalize()}: {fields.get('TITLE') or deal.id}"[:255])
    values.setdefault("amount", _amount(fields.get("OPPORTUNITY")))
    values.setdefault("currency", fields.get("CURRENCY_ID") or "")
    item = Invoice(deal_id=deal.id, kind=kind, created_by_id=actor, **values)
    session.add(item)
    session.flush()
    item.number = f"{NUMBER_PREFIX[kind]}-{item.id:05d}"
    history.add_entry(session, "deal", deal.id, kind,
                      f"{kind} {item.number} created: {item.amount} {item.currency}".rstrip(),
                      user_id=actor, data={"invoice_id": item.id})
    session.flush()
    return item


def update_item(session: Session, item: Invoice, body: Mapping[str, Any]) -> Invoice:
    """Change title, amount, currency or status; a paid invoice no longer changes."""
    values = _values(item.kind, body)
    if item.status == "paid" and values:
        raise ApiError(409, "invoice_paid", f"invoice {item.number} is paid and cannot change")
    for key, value in values.items():
        setattr(item, key, value)
    if values:
        item.updated_at = utcnow()
    session.flush()
    return item


def pay_invoice(session: Session, deal: Record, item: Invoice,
                actor: int | None) -> dict[str, Any]:
    """Mark the invoice paid and fire `invoice.paid` for the deal in the same transaction."""
    if item.kind != "invoice":
        raise ApiError(404, "not_found", f"deal {deal.id} has no invoice {item.id}")
    if item.status in ("paid", "cancelled"):
        raise ApiError(409, f"invoice_{item.status}",
                       f"invoice {item.number} is {item.status}; only a draft or sent invoice "
                       "can be paid")
    item.status = "paid"
    item.paid_at = item.updated_at = utcnow()
    history.add_entry(session, "deal", deal.id, "invoice_paid",
                      f"invoice {item.number} paid: {item.amount} {item.currency}".rstrip(),
                      user_id=actor, data={"invoice_id": item.id})
    session.flush()
    moved = triggers.invoice_paid(session, deal, item)
    return {**item.to_dict(), "trigger": moved}


def _create_invoice_call(session: Session, instance: Instance, record: Record,
                         request: Mapping[str, Any]) -> dict[str, Any]:
    """The `create_invoice` call: bad values come back as an error the block fails with."""
    if record.document_type != "deal":
        return {"error": f"invoices and quotes belong to deals, not to a {record.document_type}"}
    body = {key: request[key] for key in ("title", "amount", "currency")
            if request.get(key) not in (None, "")}
    try:
        item = create_item(session, record, str(request.get("kind")), body,
                           instance.started_by)
    except ApiError as error:
        return {"error": error.message}
    return {"InvoiceId": item.id, "Number": item.number}


register_call_handler("create_invoice", _create_invoice_call)

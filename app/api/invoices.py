"""Invoices and quotes of a deal: /deals/{id}/invoices and /deals/{id}/quotes (same shape).

Paying an invoice (POST .../invoices/{id}/pay) fires the `invoice.paid` trigger of the deal.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from app.api.errors import json_body
from app.api.openapi import operation
from app.auth import login_required, require_user
from app.db import read_transaction, transaction
from app.models.invoices import STATUSES
from app.services import invoices
from app.services.records import require_record

bp = Blueprint("invoices", __name__)
TAGS = ["deals"]
COLLECTIONS = {"invoices": "invoice", "quotes": "quote"}


def item_schema(kind: str) -> dict[str, Any]:
    return {"type": "object", "required": ["id", "deal_id", "kind", "number", "status"],
            "properties": {
                "id": {"type": "integer"}, "deal_id": {"type": "integer"},
                "kind": {"enum": [kind]}, "number": {"type": "string"},
                "title": {"type": "string"}, "amount": {"type": "number"},
                "currency": {"type": "string"}, "status": {"enum": list(STATUSES[kind])},
                "created_by_id": {"type": ["integer", "null"]},
                "created_at": {"type": "string"}, "updated_at": {"type": "string"},
                "paid_at": {"type": ["string", "null"]}}}


def input_schema(kind: str) -> dict[str, Any]:
    statuses = [s for s in STATUSES[kind] if s != "paid"]
    return {"type": "object", "properties": {
        "title": {"type": "string", "maxLength": 255},
        "amount": {"type": ["number", "string"],
                   "description": "default: the deal's OPPORTUNITY"},
        "currency": {"type": "string", "description": "default: the deal's CURRENCY_ID"},
        "status": {"enum": statuses, "description": "default draft"}}}


PAY_SCHEMA = {**item_schema("invoice"), "properties": {
    **item_schema("invoice")["properties"],
    "trigger": {"type": "object", "description": "the move the invoice.paid trigger made",
                "properties": {"moved": {"type": "boolean"},
                               "from": {"type": ["string", "null"]},
                               "to": {"type": ["string", "null"]},
                               "trigger_id": {"type": ["integer", "null"]}}}}}


def _list(kind: str, deal_id: int) -> dict[str, Any]:
    with read_transaction() as session:
        deal = require_record(session, "deal", deal_id)
        return {"items": [item.to_dict() for item in invoices.list_items(session, deal, kind)]}


def _create(kind: str, deal_id: int) -> tuple[dict[str, Any], int]:
    user = require_user()
    body = json_body()
    with transaction() as session:
        deal = require_record(session, "deal", deal_id, for_update=True)
        return invoices.create_item(session, deal, kind, body, user.id).to_dict(), 201


def _get(kind: str, deal_id: int, item_id: int) -> dict[str, Any]:
    with read_transaction() as session:
        deal = require_record(session, "deal", deal_id)
        return invoices.get_item(session, deal, kind, item_id).to_dict()


def _patch(kind: str, deal_id: int, item_id: int) -> dict[str, Any]:
    require_user()
    body = json_body()
    with transaction() as session:
        deal = require_record(session, "deal", deal_id)
        item = invoices.get_item(session, deal, kind, item_id, for_update=True)
        return invoices.update_item(session, item, body).to_dict()


def _pay(kind: str, deal_id: int, item_id: int) -> dict[str, Any]:
    user = require_user()
    with transaction() as session:
        deal = require_record(session, "deal", deal_id, for_update=True)
        item = invoices.get_item(session, deal, kind, item_id, for_update=True)
        return invoices.pay_invoice(session, deal, item, user.id)


def _register(collection: str, kind: str) -> None:
    many = f"/deals/<int:deal_id>/{collection}"
    one = f"{many}/<int:item_id>"
    views = {
        "list": (many, ["GET"], _list, operation(
            f"The {collection} of a deal", tags=TAGS, responses={200: {
                "type": "object", "properties": {
                    "items": {"type": "array", "items": item_schema(kind)}}}})),
        "create": (many, ["POST"], _create, operation(
            f"Add a {kind} to a deal (number given: {invoices.NUMBER_PREFIX[kind]}-00001)",
            tags=TAGS, request=input_schema(kind), responses={201: item_schema(kind)})),
        "get": (one, ["GET"], _get, operation(
            f"One {kind} of a deal", tags=TAGS, responses={200: item_schema(kind)})),
        "patch": (one, ["PATCH"], _patch, operation(
            f"Change a {kind} (title, amount, currency, status)", tags=TAGS,
            request=input_schema(kind), responses={200: item_schema(kind)})),
    }
    if kind == "invoice":
        views["pay"] = (f"{one}/pay", ["POST"], _pay, operation(
            "Mark an invoice paid; fires the deal's invoice.paid trigger (409 when already "
            "paid or cancelled)", tags=TAGS, responses={200: PAY_SCHEMA}))
    for action, (rule, methods, handler, declare) in views.items():
        view = declare(login_required(_bind(handler, kind)))
        view.__name__ = f"{collection}_{action}"
        bp.add_url_rule(rule, endpoint=f"{collection}_{action}", view_func=view,
                        methods=methods)


def _bind(handler: Any, kind: str) -> Any:
    # A distinct function per route, so each carries its own OpenAPI declaration.
    def view(**kwargs: Any) -> Any:
        return handler(kind, **kwargs)

    return view


for _collection, _kind in COLLECTIONS.items():
    _register(_collection, _kind)

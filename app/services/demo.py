"""Demo data for `bizflow serve --demo`: sample users and records (idempotent)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.users import User
from app.services.automation_demo import load_demo_automation
from app.services.record_events import Origin
from app.services.records import create_record
from app.services.templates import install_builtin
from app.services.users import create_user, set_role_automation

DEMO_PASSWORD = "demo-password"
DEMO_USERS = (
    ({"LOGIN": "anna", "NAME": "Anna", "LAST_NAME": "Petrova",
      "EMAIL": "anna@example.com"}, ["sales", "sales_head"]),
    ({"LOGIN": "minh", "NAME": "Minh", "LAST_NAME": "Nguyen",
      "EMAIL": "minh@example.com"}, ["sales"]),
    ({"LOGIN": "claire", "NAME": "Claire", "LAST_NAME": "Dubois",
      "EMAIL": "claire@example.com"}, ["sales"]),
)


def load_demo(session: Session) -> list[str]:
    """Create the demo users and records unless they exist; returns the demo logins."""
    logins = [fields["LOGIN"] for fields, _roles in DEMO_USERS]
    if session.scalar(select(User.id).where(User.login == logins[0])) is not None:
        return logins
    set_role_automation(session, "sales_head", {"lead": "update", "deal": "update"})
    set_role_automation(session, "sales", {"lead": "read", "deal": "read"})
    users = [create_user(session, fields, roles, DEMO_PASSWORD) for fields, roles in DEMO_USERS]
    origin = Origin("system", "demo")
    load_demo_automation(session)
    company = create_record(session, "company", {
        "TITLE": "Hanoi Logistics JSC", "COMPANY_TYPE": "CUSTOMER", "INDUSTRY": "DELIVERY",
        "EMAIL": "office@hanoi-logistics.example", "ASSIGNED_BY_ID": users[1].id}, None, origin)
    contact = create_record(session, "contact", {
        "NAME": "Linh", "LAST_NAME": "Tran", "POST": "Purchasing manager",
        "COMPANY_ID": company.id, "EMAIL": "linh@hanoi-logistics.example",
        "PHONE": "+84 24 5555 0101", "ASSIGNED_BY_ID": users[1].id}, None, origin)
    for title, currency, amount, owner in (
            ("Website order: 40 pallets", "EUR", 12500, users[2]),
            ("Call back about the spring catalogue", "USD", 800, users[1]),
            ("Trade show contact: Moscow", "RUB", 450000, users[0])):
        create_record(session, "lead", {
            "TITLE": title, "CURRENCY_ID": currency, "OPPORTUNITY": amount,
            "SOURCE_ID": "WEB", "ASSIGNED_BY_ID": owner.id}, None, origin)
    create_record(session, "deal", {
        "TITLE": "Annual freight contract", "CATEGORY_ID": "0", "OPPORTUNITY": 48000,
        "CURRENCY_ID": "EUR", "COMPANY_ID": company.id, "CONTACT_ID": contact.id,
        "ASSIGNED_BY_ID": users[0].id}, None, origin)
    install_builtin(session, "assign_responsible", {
        "EuroManager": users[2].id, "BigDealManager": users[0].id,
        "SmallDealManager": users[1].id})
    return logins

"""Demo robots and triggers for `bizflow serve --demo` (the seeds' examples, idempotent)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.automation import StageRobots, Trigger
from app.services import robots, triggers

LEAD_ROBOTS = {
    "NEW": [
        {"type": "notify", "title": "Tell the responsible person",
         "properties": {"text": "New lead: {=Document:TITLE}"}},
        {"type": "control", "title": "Alert when nobody took it in 3 days",
         "properties": {"interval": "3d"}},
    ],
    "IN_PROCESS": [
        {"type": "email_client", "title": "Send our offer",
         "properties": {"subject": "Our offer for {=Document:TITLE}",
                        "body": "Hello {=Document:NAME}, here is our offer."}},
        {"type": "schedule_call", "title": "Call back a day later",
         "properties": {"deadline": "1d"}, "timing": {"mode": "after", "interval": "1d"},
         "after_previous": True},
    ],
}
LEAD_TRIGGERS = [
    {"event": "call.missed", "stage_id": "IN_PROCESS", "title": "Missed call: call back"},
    {"event": "webform.filled", "stage_id": "CONVERTED", "title": "Event form filled",
     "settings": {"form_id": "event"}},
]


def load_demo_automation(session: Session) -> None:
    """Lead robots and triggers from the seeds' examples, unless lead automation exists."""
    if session.scalar(select(StageRobots.id).where(StageRobots.document_type == "lead")) or \
            session.scalar(select(Trigger.id).where(Trigger.document_type == "lead")):
        return
    for stage_id, robot_list in LEAD_ROBOTS.items():
        robots.save_robots(session, "lead", stage_id, 0, robot_list, None)
    for body in LEAD_TRIGGERS:
        triggers.create_trigger(session, "lead", body)

"""The built-in templates in templates_bp/ load, and each does what its description promises."""

from datetime import UTC, datetime, timedelta

import pytest

from interpreter import Context, load_template, resume, run, start
from templates_bp import list_builtin_templates

BUILTIN = {entry["key"]: entry["template"] for entry in list_builtin_templates()}


def loaded(key):
    return load_template(BUILTIN[key])


NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def started(key, document, changed_fields=()):
    """A real (not dry) run from the start block, as the app would begin an instance."""
    template = loaded(key)
    ctx = Context(document, document_type=template.document_type, now=NOW,
                  changed_fields=changed_fields)
    return template, start(template, ctx)


def answered(template, step, data, now=NOW):
    """Answer the step's only wait with `data` and run on."""
    [wait] = step.waits
    ctx = Context({**step.document, **step.changes}, document_type=template.document_type,
                  now=now)
    return resume(template, step.state, ctx, {"token": wait["token"], "data": data})


def the_only_email(result):
    assert len(result["emails"]) == 1, result["emails"]
    return result["emails"][0]


def test_there_are_at_least_six_builtin_templates_covering_every_document_type():
    assert "assign_responsible" in BUILTIN
    assert len(BUILTIN) >= 6
    assert {t["document_type"] for t in BUILTIN.values()} == {
        "lead", "contact", "company", "deal", "document"}


@pytest.mark.parametrize("key", sorted(BUILTIN))
def test_builtin_template_loads_without_errors(key):
    load_template(BUILTIN[key])


@pytest.mark.parametrize("key", sorted(BUILTIN))
def test_builtin_template_is_ready_for_the_gallery(key):
    template = BUILTIN[key]
    assert template["name"] and template["description"]
    assert set(template["auto_start"]) <= {"create", "update"} and template["auto_start"]
    positions = [(node["position"]["x"], node["position"]["y"]) for node in template["nodes"]]
    assert len(positions) == len(set(positions)), "two blocks drawn on the same spot"


# --- assign_responsible: the seeds' flowchart ---------------------------------------------

@pytest.mark.parametrize(("currency", "amount", "manager"), [
    ("EUR", 100, 2),
    ("EUR", 90000, 2),
    ("USD", 501, 3),
    ("RUB", "750", 3),  # a number field compares as a number even when it arrives as text
    ("USD", 500, 4),    # "more than 500": 500 itself goes to the small-deal manager
    ("GBP", 0, 4),
    ("VND", 499.99, 4),
])
def test_assign_responsible_routes_by_currency_then_amount(currency, amount, manager):
    lead = {"TITLE": "Web order 17", "CURRENCY_ID": currency, "OPPORTUNITY": amount,
            "ASSIGNED_BY_ID": 1}
    result = run(loaded("assign_responsible"), lead)
    assert result["status"] == "completed", result["error"]
    assert result["changes"]["ASSIGNED_BY_ID"] == manager
    assert result["document"]["ASSIGNED_BY_ID"] == manager
    mail = the_only_email(result)
    assert mail["to"] == [f"user:{manager}"]
    assert mail["subject"] == "New lead: Web order 17"
    assert f"{currency}" in mail["body"]


def test_assign_responsible_uses_the_constants_an_admin_sets():
    template = dict(BUILTIN["assign_responsible"])
    template["constants"] = [dict(c, value=40 + i) for i, c in enumerate(template["constants"])]
    result = run(load_template(template), {"TITLE": "T", "CURRENCY_ID": "USD", "OPPORTUNITY": 9})
    assert result["changes"] == {"ASSIGNED_BY_ID": 42}


# --- welcome_new_contact ------------------------------------------------------------------

def test_welcome_new_contact_mails_the_contact_address():
    contact = {"NAME": "Anna", "LAST_NAME": "Berg", "EMAIL": "anna@example.com",
               "ASSIGNED_BY_ID": 3}
    result = run(loaded("welcome_new_contact"), contact)
    assert result["status"] == "completed", result["error"]
    mail = the_only_email(result)
    assert mail["to"] == ["anna@example.com"]
    assert mail["subject"] == "Welcome to Bizflow, Anna!"
    assert "Dear Anna Berg," in mail["body"]
    assert result["notifications"] == []
    assert result["changes"] == {}


def test_welcome_new_contact_without_address_asks_the_responsible_person():
    contact = {"NAME": "Ivan", "LAST_NAME": "Petrov", "PHONE": "+7 900 000 00 00",
               "ASSIGNED_BY_ID": 3}
    result = run(loaded("welcome_new_contact"), contact)
    assert result["status"] == "completed", result["error"]
    assert result["emails"] == []
    [note] = result["notifications"]
    assert note["to"] == [3]
    assert "Ivan Petrov has no e-mail address" in note["text"]


# --- big_deal_alert -----------------------------------------------------------------------

@pytest.mark.parametrize("amount", [10000, "25000.50", 1e6])
def test_big_open_deal_alerts_the_head_of_sales(amount):
    deal = {"TITLE": "Fleet renewal", "OPPORTUNITY": amount, "CURRENCY_ID": "USD",
            "STAGE_ID": "PREPARATION", "ASSIGNED_BY_ID": 7}
    result = run(loaded("big_deal_alert"), deal)
    assert result["status"] == "completed", result["error"]
    mail = the_only_email(result)
    assert mail["to"] == ["user:1"]
    assert mail["subject"].startswith("Big deal: Fleet renewal (")
    assert mail["subject"].endswith(" USD)")
    [note] = result["notifications"]
    assert note["to"] == [7]


@pytest.mark.parametrize(("amount", "stage"), [(9999.99, "NEW"), (50000, "WON"), (50000, "LOSE"),
                                               (None, "NEW")])
def test_small_or_closed_deal_raises_no_alert(amount, stage):
    deal = {"TITLE": "Small", "OPPORTUNITY": amount, "CURRENCY_ID": "EUR", "STAGE_ID": stage}
    result = run(loaded("big_deal_alert"), deal)
    assert result["status"] == "completed", result["error"]
    assert result["emails"] == [] and result["notifications"] == []


# --- document_review ----------------------------------------------------------------------

def test_document_review_waits_for_the_reviewer():
    document = {"NAME": "Price list 2027.pdf", "LIBRARY": "SALES", "FOLDER": "Drafts",
                "MIME_TYPE": "application/pdf", "FILE_SIZE": 48211, "CREATED_BY_ID": 5}
    result = run(loaded("document_review"), document)
    assert result["status"] == "waiting", result["error"]
    assert result["changes"] == {}
    assert result["log"][-1]["node"] == "review"


REVIEWED = {"NAME": "Price list 2027.pdf", "LIBRARY": "SALES", "FOLDER": "Drafts",
            "CREATED_BY_ID": 5}


def test_document_review_asks_the_reviewer_to_approve():
    _template, step = started("document_review", REVIEWED)
    assert step.status == "waiting"
    [wait] = step.waits
    assert wait["kind"] == "task" and wait["node"] == "review"
    assert wait["request"]["users"] == [1]
    assert wait["request"]["name"] == "Review Price list 2027.pdf"


def test_approved_document_moves_to_the_approved_folder_and_the_author_is_told():
    template, step = started("document_review", REVIEWED)
    step = answered(template, step, {"decision": "approved", "comments": "", "last_approver": 1})
    assert step.status == "completed", step.error
    assert step.changes == {"FOLDER": "Approved"}
    [note] = step.effects
    assert note["kind"] == "notify" and note["to"] == [5]
    assert note["text"] == "Your document Price list 2027.pdf was approved by user 1."


def test_rejected_document_stays_put_and_the_author_gets_the_comments():
    template, step = started("document_review", REVIEWED)
    step = answered(template, step, {"decision": "rejected", "comments": "Prices are outdated",
                                     "last_approver": 1})
    assert step.status == "completed", step.error
    assert step.changes == {}
    [note] = step.effects
    assert note["to"] == [5]
    assert note["text"].endswith("Reviewer's comments: Prices are outdated")


# --- lead_follow_up -----------------------------------------------------------------------

def test_lead_follow_up_waits_three_days_first():
    lead = {"TITLE": "Call me back", "STATUS_ID": "NEW", "ASSIGNED_BY_ID": 3}
    result = run(loaded("lead_follow_up"), lead)
    assert result["status"] == "waiting", result["error"]
    assert result["log"][-1]["node"] == "wait"
    assert result["emails"] == [] and result["notifications"] == [] and result["changes"] == {}


def follow_up_after_three_days(status):
    template, step = started("lead_follow_up", {"TITLE": "Call me back", "NAME": "Lan",
                                                "STATUS_ID": "NEW", "ASSIGNED_BY_ID": 3})
    [wait] = step.waits
    assert wait["kind"] == "timer"
    assert datetime.fromisoformat(wait["request"]["due"]) == NOW + timedelta(days=3)
    step.document["STATUS_ID"] = status  # what happened to the lead meanwhile
    return template, answered(template, step, {}, now=NOW + timedelta(days=3))


def test_lead_still_new_after_three_days_gets_a_call_back_task_and_a_reminder():
    template, step = follow_up_after_three_days("NEW")
    [wait] = step.waits
    assert wait["kind"] == "call" and wait["request"]["action"] == "create_task"
    assert wait["request"]["title"] == "Call back about the lead Call me back"
    assert wait["request"]["responsible"] == 3
    assert datetime.fromisoformat(wait["request"]["deadline"]) == NOW + timedelta(days=4)
    step = answered(template, step, {"TaskId": 77}, now=NOW + timedelta(days=3))
    assert step.status == "completed", step.error
    [note] = step.effects
    assert note["to"] == [3]
    assert "still new after three days" in note["text"]


def test_lead_taken_into_work_within_three_days_needs_no_follow_up():
    _template, step = follow_up_after_three_days("IN_PROCESS")
    assert step.status == "completed", step.error
    assert step.effects == [] and step.waits == []


# --- lead_qualification -------------------------------------------------------------------

def test_lead_without_email_or_phone_is_junk():
    result = run(loaded("lead_qualification"), {"TITLE": "??", "SOURCE_ID": "WEB"})
    assert result["status"] == "completed", result["error"]
    assert result["changes"]["STATUS_ID"] == "JUNK"
    assert "neither an e-mail address nor a phone number" in result["changes"]["COMMENTS"]
    assert result["emails"] == []


def test_partner_lead_is_taken_into_work_with_high_priority():
    lead = {"TITLE": "Referral from Acme", "EMAIL": "buyer@example.com", "SOURCE_ID": "PARTNER",
            "STATUS_ID": "NEW", "ASSIGNED_BY_ID": 4}
    result = run(loaded("lead_qualification"), lead)
    assert result["status"] == "completed", result["error"]
    assert result["changes"] == {"STATUS_ID": "IN_PROCESS"}
    assert result["variables"]["Priority"] == "high"
    mail = the_only_email(result)
    assert mail["to"] == ["user:4"]
    assert mail["subject"] == "Qualified lead (high priority): Referral from Acme"


def test_lead_without_source_gets_source_other_and_normal_priority():
    lead = {"TITLE": "Walk-in", "PHONE": "+33 1 23 45 67 89", "STATUS_ID": "NEW",
            "ASSIGNED_BY_ID": 4}
    result = run(loaded("lead_qualification"), lead)
    assert result["status"] == "completed", result["error"]
    assert result["changes"]["SOURCE_ID"] == "OTHER"
    assert result["changes"]["STATUS_ID"] == "IN_PROCESS"
    assert the_only_email(result)["subject"] == "Qualified lead (normal priority): Walk-in"


def test_web_lead_keeps_its_source_and_gets_normal_priority():
    lead = {"TITLE": "Form", "EMAIL": ["a@example.com"], "SOURCE_ID": "WEBFORM",
            "STATUS_ID": "NEW", "ASSIGNED_BY_ID": 4}
    result = run(loaded("lead_qualification"), lead)
    assert result["changes"] == {"STATUS_ID": "IN_PROCESS"}
    assert result["variables"]["Priority"] == "normal"


# --- company_industry_routing -------------------------------------------------------------

@pytest.mark.parametrize(("industry", "manager"), [
    ("IT", 2), ("TELECOM", 2), ("MANUFACTURING", 3), ("BANKING", 4), ("FINANCE", 4),
    ("GOVERNMENT", 1), (None, 1),
])
def test_company_goes_to_the_account_manager_of_its_industry(industry, manager):
    company = {"TITLE": "Acme", "INDUSTRY": industry, "ASSIGNED_BY_ID": 9}
    result = run(loaded("company_industry_routing"), company)
    assert result["status"] == "completed", result["error"]
    assert result["changes"] == {"ASSIGNED_BY_ID": manager}
    [note] = result["notifications"]
    assert note["to"] == [manager]  # notifications go to user ids
    assert result["emails"] == []


def test_company_with_an_address_gets_a_welcome_email():
    company = {"TITLE": "Acme", "INDUSTRY": "IT", "EMAIL": "office@acme.example"}
    result = run(loaded("company_industry_routing"), company)
    mail = the_only_email(result)
    assert mail["to"] == ["office@acme.example"]
    assert mail["subject"] == "Welcome, Acme"


# --- deal_closed --------------------------------------------------------------------------

def test_deal_closed_does_nothing_when_the_stage_did_not_change():
    deal = {"TITLE": "Fleet", "STAGE_ID": "WON", "OPPORTUNITY": 100, "CURRENCY_ID": "EUR"}
    result = run(loaded("deal_closed"), deal)
    assert result["status"] == "completed", result["error"]
    assert result["emails"] == [] and result["notifications"] == [] and result["changes"] == {}


WON_OR_LOST = {"TITLE": "Fleet", "OPPORTUNITY": 25000, "CURRENCY_ID": "EUR", "ASSIGNED_BY_ID": 6}


def test_deal_moved_to_won_congratulates_and_reports():
    _template, step = started("deal_closed", {**WON_OR_LOST, "STAGE_ID": "WON"}, {"STAGE_ID"})
    assert step.status == "completed", step.error
    notify, mail = step.effects
    assert notify["kind"] == "notify" and notify["to"] == [6]
    assert mail["kind"] == "email" and mail["subject"] == "Deal won: Fleet"


def test_deal_moved_to_lost_asks_why_and_writes_the_reason_down():
    template, step = started("deal_closed", {**WON_OR_LOST, "STAGE_ID": "LOSE"}, {"STAGE_ID"})
    [wait] = step.waits
    assert wait["kind"] == "task" and wait["request"]["users"] == [6]
    assert [f["id"] for f in wait["request"]["fields"]] == ["Reason"]
    step = answered(template, step, {"decision": "approved",
                                     "values": {"Reason": "Price too high"}})
    assert step.status == "completed", step.error
    assert step.changes == {"COMMENTS": "Lost: Price too high"}

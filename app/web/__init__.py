"""Browser pages: each module has a Blueprint named `bp`; add yours to the list (one line)."""

WEB_BLUEPRINTS: list[str] = [
    "app.web.auth_pages",
    "app.web.home",
    "app.web.record_form",
    "app.web.designer",
    "app.web.automation",
    "app.web.tasks",
]

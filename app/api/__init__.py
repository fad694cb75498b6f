"""The REST API of SPEC 5.2: one blueprint module per resource, all mounted under /api/v1.

To add a resource, write a module with a Blueprint named `bp` (routes without the prefix,
each view decorated with `@operation` from app.api.openapi) and add its name below.
"""

API_BLUEPRINTS: list[str] = [
    "app.api.health",
    "app.api.openapi",
    "app.api.document_types",
    "app.api.records",
    "app.api.invoices",
    "app.api.users",
    "app.api.roles",
    "app.api.pipelines",
    "app.api.automation",
    "app.api.events",
    "app.api.hooks",
    "app.api.templates",
    "app.api.instances",
    "app.api.outbox",
    "app.api.block_types",
    "app.api.tasks",
    "app.api.operations",
]

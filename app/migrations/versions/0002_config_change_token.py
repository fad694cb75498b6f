"""config change token

The record service reads the same configuration on every write (templates that auto-start,
default stages, stage robots, triggers, custom fields). Each process caches it and checks one
token per lookup; these triggers renew the token on any change of those tables, by any
process and any path (the app, a script, psql), inside the changing transaction.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: a later revision that caches another table adds its own triggers.
CONFIG_TABLES = ("templates", "pipeline_stages", "stage_robots", "automation_triggers",
                 "custom_fields")
# A random 63-bit value, not a counter: a rolled-back change must never leave a token that a
# later, different change could produce again.
_RENEW = "UPDATE config_state SET token = {random} WHERE id = 1"
_SQLITE_RANDOM = "random()"
_POSTGRES_RANDOM = "floor(random() * 9.2e18)::bigint"


def upgrade() -> None:
    op.create_table(
        "config_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_state")),
    )
    op.execute("INSERT INTO config_state (id, token) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION bizflow_config_changed() RETURNS trigger LANGUAGE plpgsql "
                   f"AS $$ BEGIN {_RENEW.format(random=_POSTGRES_RANDOM)}; RETURN NULL; END $$")
        for table in CONFIG_TABLES:
            op.execute(f"CREATE TRIGGER bizflow_config_{table} AFTER INSERT OR UPDATE OR DELETE "
                       f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION bizflow_config_changed()")
        return
    for table in CONFIG_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER bizflow_config_{table}_{event.lower()} AFTER {event} "
                       f"ON {table} BEGIN {_RENEW.format(random=_SQLITE_RANDOM)}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in CONFIG_TABLES:
            op.execute(f"DROP TRIGGER bizflow_config_{table} ON {table}")
        op.execute("DROP FUNCTION bizflow_config_changed()")
    else:
        for table in CONFIG_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER bizflow_config_{table}_{event}")
    op.drop_table("config_state")

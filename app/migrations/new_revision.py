"""Autogenerate the next revision from the models: `python -m app.migrations.new_revision MSG`.

Bizflow databases exist in the field, so the schema only grows by new revisions. The new file
is compared against a database at the current head; read it before committing: autogenerate
knows nothing of triggers and functions (0002 writes its own).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from app.db import make_engine
from app.migrations import MIGRATIONS_DIR, alembic_config, upgrade_database


def new_revision(message: str) -> Path:
    """Write versions/NNNN_<message>.py with the differences between the models and head."""
    versions = MIGRATIONS_DIR / "versions"
    number = max(int(path.name[:4]) for path in versions.glob("[0-9][0-9][0-9][0-9]_*.py")) + 1
    rev_id = f"{number:04d}"
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'head.sqlite3'}")
        upgrade_database(engine)
        command.revision(alembic_config(engine), message=message, autogenerate=True,
                         rev_id=rev_id)
        engine.dispose()
    (path,) = versions.glob(f"{rev_id}_*.py")
    # Alembic renders JSONB(astext_type=Text()) without importing Text.
    path.write_text(path.read_text().replace("astext_type=Text()", "astext_type=sa.Text()"))
    ruff = Path(sys.executable).with_name("ruff")
    subprocess.run([str(ruff), "format", "--quiet", str(path)], check=True)
    subprocess.run([str(ruff), "check", "--quiet", "--fix", str(path)], check=False)
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit('usage: python -m app.migrations.new_revision "what changed"')
    print(new_revision(sys.argv[1]))

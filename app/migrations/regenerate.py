"""Rebuild the one initial revision from the models: `python -m app.migrations.regenerate`.

While the schema is young we keep ONE revision; once Bizflow has users, add new revisions
with `alembic revision --autogenerate` instead of running this.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from app.db import make_engine
from app.migrations import MIGRATIONS_DIR, alembic_config

REVISION = "0001"


def regenerate() -> Path:
    """Delete versions/0001_*.py and autogenerate it again against an empty database."""
    versions = MIGRATIONS_DIR / "versions"
    for old in versions.glob(f"{REVISION}_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'empty.sqlite3'}")
        command.revision(alembic_config(engine), message="initial schema", autogenerate=True,
                         rev_id=REVISION)
        engine.dispose()
    (path,) = versions.glob(f"{REVISION}_*.py")
    # Alembic renders JSONB(astext_type=Text()) without importing Text.
    path.write_text(path.read_text().replace("astext_type=Text()", "astext_type=sa.Text()"))
    ruff = Path(sys.executable).with_name("ruff")
    subprocess.run([str(ruff), "format", "--quiet", str(path)], check=True)
    subprocess.run([str(ruff), "check", "--quiet", "--fix", str(path)], check=False)
    return path


if __name__ == "__main__":
    print(regenerate())

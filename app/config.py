"""Configuration from the environment (and a `.env` file): every BIZFLOW_* setting in one place."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from dotenv import find_dotenv, load_dotenv

MIB = 1024 * 1024


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from None


def load_config(instance_path: str) -> dict[str, Any]:
    """The app's settings: environment variables (after reading `.env`) with their defaults."""
    # `.env` of the current directory (or a parent), where `instance/` lives too.
    load_dotenv(find_dotenv(usecwd=True), override=False)
    env = os.environ.get
    database_url = env("BIZFLOW_DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "bizflow.sqlite3"))
    return {
        "DATABASE_URL": database_url,
        # A random key means sessions end on restart; set BIZFLOW_SECRET_KEY to keep them.
        "SECRET_KEY": env("BIZFLOW_SECRET_KEY") or secrets.token_hex(32),
        "ADMIN_PASSWORD": env("BIZFLOW_ADMIN_PASSWORD") or None,
        "API_TOKEN": env("BIZFLOW_API_TOKEN") or None,
        "REDIS_URL": env("BIZFLOW_REDIS_URL") or None,
        "EXECUTOR": env("BIZFLOW_EXECUTOR") or "embedded",
        "SMTP_HOST": env("BIZFLOW_SMTP_HOST") or None,
        "SMTP_PORT": _int("BIZFLOW_SMTP_PORT", 0) or None,
        "SMTP_USER": env("BIZFLOW_SMTP_USER") or None,
        "SMTP_PASSWORD": env("BIZFLOW_SMTP_PASSWORD") or None,
        "SMTP_TLS": (env("BIZFLOW_SMTP_TLS") or "none").lower(),
        "MAIL_FROM": env("BIZFLOW_MAIL_FROM") or "bizflow@localhost",
        # JSON bodies are small; document uploads may be bigger (both refused with 413).
        "MAX_JSON_BYTES": _int("BIZFLOW_MAX_JSON_BYTES", 2 * MIB),
        "MAX_UPLOAD_BYTES": _int("BIZFLOW_MAX_UPLOAD_BYTES", 20 * MIB),
        "FILES_DIR": env("BIZFLOW_FILES_DIR") or str(Path(instance_path) / "files"),
        "PASSWORD_HASH_METHOD": "scrypt",
    }

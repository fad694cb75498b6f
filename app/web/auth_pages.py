"""The login and logout pages (session cookie)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for

from app.auth import log_in, log_out
from app.db import read_transaction
from app.services.users import authenticate

bp = Blueprint("auth_pages", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    # Only local paths: never redirect to another site after login.
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    login_value = ""
    if request.method == "POST":
        login_value = (request.form.get("login") or "").strip()
        password = request.form.get("password") or ""
        with read_transaction() as session:
            user = authenticate(session, login_value, password) if login_value else None
        if user is not None:
            log_in(user)
            return redirect(_safe_next(request.args.get("next")))
        error = "Wrong login or password."
    status = 401 if error else 200
    return render_template("login.html", error=error, login=login_value,
                           next=request.args.get("next", "")), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    log_out()
    return redirect(url_for("auth_pages.login"))

"""API errors: `ApiError` and the JSON rendering of every failure, so no traceback ever leaks."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from interpreter.fields import FieldValueError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error any handler or service may raise; rendered as {"error": {code, message, ...}}."""

    def __init__(self, status: int, code: str, message: str,
                 details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details or [])


def error_response(status: int, code: str, message: str,
                   details: list[Any] | None = None) -> tuple[Response, int]:
    """The JSON error body of SPEC 5.2 with its status."""
    body = {"error": {"code": code, "message": message, "details": list(details or [])}}
    return jsonify(body), status


def field_error(exc: FieldValueError) -> ApiError:
    """A 400 ApiError naming the field of a FieldValueError."""
    return ApiError(400, exc.code, exc.message,
                    [{"field": exc.field, "code": exc.code, "message": exc.message}])


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    """JSON errors for the API (and for any client that asks for JSON); pages keep HTML."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(FieldValueError)
    def _field_error(exc: FieldValueError):
        error = field_error(exc)
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(StaleDataError)
    def _stale(_exc: StaleDataError):
        return error_response(409, "conflict",
                              "the record was changed by someone else at the same time; retry")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not _wants_json():
            return exc
        code = {413: "too_large", 415: "unsupported_media_type", 405: "method_not_allowed",
                404: "not_found", 400: "bad_request"}.get(exc.code or 500, "http_error")
        response, status = error_response(exc.code or 500, code, exc.description or exc.name)
        if exc.code == 405 and exc.response is None:
            allowed = getattr(exc, "valid_methods", None)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Logged with its traceback for the operator; the client sees no internals.
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not _wants_json():
            return "Internal server error", 500
        return error_response(500, "internal_error", "internal server error")


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/400 ApiError saying what is wrong with it."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "expected a JSON body "
                       "(Content-Type: application/json)")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "bad_json", "the body is not valid JSON")
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "the body must be a JSON object")
    return data

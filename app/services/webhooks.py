"""Outgoing webhooks: delivered from the outbox with httpx; the answer resumes the instance.

A webhook block's step writes a `webhook` wait and an outbox row (kind `webhook`) in one
transaction. A worker claims the row (outbox.claim_messages: committed before anything
leaves, so two workers never send it), sends the request with the row's idempotency key in
the `Idempotency-Key` header, and then, in one transaction, marks the row sent and resumes
the instance with `StatusCode` and `Response`.

Retries: connection errors, timeouts and the statuses 408, 429, 500, 502, 503, 504 are tried
again after 2 s, 5 s, 15 s and 60 s; after MAX_ATTEMPTS a connection error fails the instance
(node = the webhook block; retry it after the fix), a retryable status is answered as it is.

Refused by default (see `refusal`): the server's own address and API, and link-local
addresses; BIZFLOW_WEBHOOK_ALLOW_SELF=1 (app config WEBHOOK_ALLOW_SELF) lifts it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from flask import Flask
from sqlalchemy import select, update

from app.db import read_transaction, transaction
from app.models.base import utcnow
from app.models.processes import Instance, OutboxMessage
from app.services import instances, outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_SECONDS = (2, 5, 15, 60)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_RESPONSE_CHARS = 65_536
POOL_SIZE = 8
# Paths of Bizflow itself: a webhook to a local address with one of these is refused.
OWN_PATHS = ("/api/", "/login", "/logout", "/designer", "/socket.io", "/tasks", "/operations")

_pool = ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="bizflow-webhook")
_client: list[httpx.Client] = []
_client_lock = threading.Lock()
_in_flight = threading.BoundedSemaphore(POOL_SIZE)


# --- what is refused ----------------------------------------------------------------------

def _own_ports(app: Flask) -> set[int]:
    ports = {int(port) for port in app.config.get("SERVER_PORTS") or ()}
    public = app.config.get("PUBLIC_URL") or os.environ.get("BIZFLOW_PUBLIC_URL")
    if public:
        parts = urlsplit(public)
        ports.add(parts.port or (443 if parts.scheme == "https" else 80))
    return ports


def _machine_addresses() -> set[ipaddress._BaseAddress]:
    found: set[ipaddress._BaseAddress] = set()
    try:
        for address in socket.gethostbyname_ex(socket.gethostname())[2]:
            found.add(ipaddress.ip_address(address))
    except OSError:
        pass
    return found


def _addresses(host: str) -> list[ipaddress._BaseAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return []   # httpx reports the name error itself
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def refusal(app: Flask, url: str) -> str | None:
    """Why `url` may not be called from this server, or None when it may.

    Refused: (1) any link-local address (169.254.0.0/16, fe80::/10: cloud metadata
    services); (2) an address of this machine (loopback, 0.0.0.0, the host's own
    addresses) on a port this Bizflow serves (`bizflow serve` records its port;
    BIZFLOW_PUBLIC_URL adds one) -- the server's own endpoints; (3) an address of this
    machine with a path of Bizflow itself (OWN_PATHS: /api/, /login, /designer, ...),
    whatever the port, so a worker that does not know the web port still refuses the API.
    """
    if app.config.get("WEBHOOK_ALLOW_SELF") or os.environ.get("BIZFLOW_WEBHOOK_ALLOW_SELF") \
            in ("1", "true", "yes"):
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"{url[:200]}: the port is not a number"
    addresses = _addresses(host)
    if any(address.is_link_local for address in addresses):
        return f"{host} is a link-local address (refused: metadata services live there)"
    mine = _machine_addresses()
    local = host.lower() == "localhost" or any(
        address.is_loopback or address.is_unspecified or address in mine
        for address in addresses)
    if not local:
        return None
    if port in _own_ports(app):
        return f"{host}:{port} is this Bizflow server itself (refused)"
    if (parts.path or "/").startswith(OWN_PATHS):
        return f"{parts.path} on {host} is Bizflow's own endpoint (refused)"
    return None


# --- delivery -----------------------------------------------------------------------------

def deliver_due_webhooks(app: Flask) -> int:
    """The worker job: claim due webhook messages and send them on the pool; returns how many.

    Sending happens on background threads so that a slow endpoint never delays timers.
    """
    started = 0
    if not _anything_due(app):
        return 0   # a cheap read: an idle worker takes no write lock
    while _in_flight.acquire(blocking=False):
        with transaction(app) as session:
            token, batch = outbox.claim_messages(session, ("webhook",), limit=1)
        if not batch:
            _in_flight.release()
            return started
        _pool.submit(_deliver_and_release, app, batch[0], token)
        started += 1
    return started


def wait_idle(timeout: float = 30.0) -> bool:
    """Block until no webhook of this process is being sent (tests, clean shutdown)."""
    taken = 0
    try:
        for _ in range(POOL_SIZE):
            if not _in_flight.acquire(timeout=timeout):
                return False
            taken += 1
        return True
    finally:
        for _ in range(taken):
            _in_flight.release()


def _anything_due(app: Flask) -> bool:
    now = utcnow()
    with read_transaction(app) as session:
        return session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.kind == "webhook",
            ((OutboxMessage.state == "pending") & (OutboxMessage.next_attempt_at <= now))
            | ((OutboxMessage.state == "sending")
               & (OutboxMessage.claimed_at < now - outbox.SENDING_LEASE))).limit(1)) is not None


def _deliver_and_release(app: Flask, message: OutboxMessage, token: str) -> None:
    try:
        with app.app_context():
            deliver(app, message, token)
    except Exception:
        log.exception("webhook %s: delivery crashed; it is retried after the lease", message.id)
    finally:
        _in_flight.release()


def _http() -> httpx.Client:
    # One shared client: building one loads the CA bundle (~0.1 s), and it pools connections.
    with _client_lock:
        if not _client:
            _client.append(httpx.Client(follow_redirects=False))
        return _client[0]


def deliver(app: Flask, message: OutboxMessage, token: str) -> str:
    """Send one claimed webhook and record the outcome: 'sent', 'retry' or 'failed'."""
    payload = message.payload or {}
    url = str(payload.get("url") or "")
    problem = refusal(app, url)
    if problem:
        _give_up(app, message, token, f"webhook refused: {problem}")
        return "failed"
    try:
        response = _http().request(
            str(payload.get("method") or "POST"), url,
            headers={**{str(k): str(v) for k, v in (payload.get("headers") or {}).items()},
                     "Idempotency-Key": message.idempotency_key},
            content=(payload.get("body") or "").encode("utf-8")
            if payload.get("body") is not None else None,
            timeout=float(payload.get("timeout") or 10))
    except httpx.HTTPError as error:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        if message.attempts >= MAX_ATTEMPTS:
            _give_up(app, message, token, f"webhook {url[:200]} failed after "
                                          f"{message.attempts} attempts: {reason}")
            return "failed"
        _retry_later(app, message, token, reason)
        return "retry"
    if response.status_code in RETRY_STATUSES and message.attempts < MAX_ATTEMPTS:
        _retry_later(app, message, token, f"HTTP {response.status_code}")
        return "retry"
    _answer(app, message, token, response.status_code, response.text[:MAX_RESPONSE_CHARS])
    return "sent"


def _retry_later(app: Flask, message: OutboxMessage, token: str, reason: str) -> None:
    pause = RETRY_SECONDS[min(message.attempts, len(RETRY_SECONDS)) - 1]
    with transaction(app) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id,
                                                    OutboxMessage.claim_token == token)
                        .values(state="pending", claim_token=None, last_error=reason,
                                next_attempt_at=utcnow() + timedelta(seconds=pause))
                        .execution_options(synchronize_session=False))


def _release(session: Any, message: OutboxMessage, token: str, **values: Any) -> bool:
    # Only the holder of the claim records the outcome; a late worker changes nothing.
    result = session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id,
                                                         OutboxMessage.claim_token == token)
                             .values(claim_token=None, **values)
                             .execution_options(synchronize_session=False))
    return bool(result.rowcount)


def _answer(app: Flask, message: OutboxMessage, token: str, status: int, text: str) -> None:
    with transaction(app) as session:
        if not _release(session, message, token, state="sent", sent_at=utcnow(),
                        last_error=None):
            return
        instance = _waiting_instance(session, message)
        if instance is not None:
            instances.resume_instance(session, instance, message.payload.get("token"),
                                      {"StatusCode": status, "Response": text})


def _give_up(app: Flask, message: OutboxMessage, token: str, reason: str) -> None:
    log.warning("webhook %s: %s", message.id, reason)
    with transaction(app) as session:
        if not _release(session, message, token, state="failed", last_error=reason):
            return
        instance = _waiting_instance(session, message)
        if instance is not None:
            instances.fail_instance(session, instance, message.payload.get("node"), reason)


def _waiting_instance(session: Any, message: OutboxMessage) -> Instance | None:
    if message.instance_id is None:
        return None
    instance = session.scalar(select(Instance).where(Instance.id == message.instance_id)
                              .with_for_update().execution_options(populate_existing=True))
    return instance if instance is not None and instance.status == "waiting" else None


def requeue_for_retry(session: Any, instance: Instance) -> int:
    """Send the failed webhooks of `instance` again (a retry of the failed instance)."""
    result = session.execute(update(OutboxMessage).where(
        OutboxMessage.instance_id == instance.id, OutboxMessage.kind == "webhook",
        OutboxMessage.state == "failed").values(
        state="pending", attempts=0, next_attempt_at=utcnow(), last_error=None)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0

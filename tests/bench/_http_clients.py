"""HTTP load for the app benchmarks: keep-alive clients in their own processes.

The clients run outside the server's process so their CPU time (and their share of the
GIL) is not counted as the server's: the server's CPU per request is then what the app
costs. Each client keeps one connection open (http.client, the leanest client there is).
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HttpRun:
    """What a run of POSTs measured."""

    seconds: float                 # wall time from the start signal to the last answer
    server_cpu: float              # CPU seconds of the server's process (all its threads)
    client_cpu: float              # CPU seconds of the client processes together
    ids: list[int | None]          # the `id` of each created object, in request order
    errors: list[str]


def _client(port: int, path: str, token: str, bodies: list[tuple[int, Any]], ready: Any,
            go: Any, results: Any) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.connect()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    ready.release()
    go.wait()
    cpu = time.process_time()
    answers: list[tuple[int, int | None, str]] = []
    for index, body in bodies:
        connection.request("POST", path, json.dumps(body), headers)
        response = connection.getresponse()
        data = response.read()
        if response.status == 201:
            answers.append((index, json.loads(data)["id"], ""))
        else:
            answers.append((index, None, f"{response.status} {data[:200]!r}"))
    connection.close()
    results.put((time.process_time() - cpu, answers))


def post_all(port: int, path: str, token: str, bodies: list[Any], clients: int) -> HttpRun:
    """POST every body to `path` on 127.0.0.1:`port` from `clients` processes (round robin);
    the server runs in this process."""
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Semaphore(0), context.Event(), context.Queue()
    shares = [[(i, bodies[i]) for i in range(part, len(bodies), clients)]
              for part in range(clients)]
    workers = [context.Process(target=_client, args=(port, path, token, share, ready, go, results))
               for share in shares]
    for worker in workers:
        worker.start()
    for _worker in workers:   # Python start-up and connecting are not part of the run
        ready.acquire()
    began, cpu = time.perf_counter(), time.process_time()
    go.set()
    collected = [results.get() for _ in workers]
    seconds, server_cpu = time.perf_counter() - began, time.process_time() - cpu
    for worker in workers:
        worker.join()
    ids: list[int | None] = [None] * len(bodies)
    errors = []
    for _cpu, answers in collected:
        for index, record_id, error in answers:
            ids[index] = record_id
            if error:
                errors.append(error)
    return HttpRun(seconds, server_cpu, sum(c for c, _ in collected), ids, errors)

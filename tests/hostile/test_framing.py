"""The real server (`briefing serve`): slow clients are cut off, normal ones are served."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from service_fixtures import briefing_serve

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("serve")
    with briefing_serve(tmp, header_timeout_s="1", body_timeout_s="2") as (base, _env):
        yield int(base.rsplit(":", 1)[1])


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_slow_headers_and_slow_bodies_are_cut_off(server: int) -> None:
    slow_headers = socket.create_connection(("127.0.0.1", server))
    slow_headers.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
    silent = socket.create_connection(("127.0.0.1", server))  # sends nothing at all
    slow_body = socket.create_connection(("127.0.0.1", server))
    slow_body.sendall(
        b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 1000\r\n\r\nRussia"
    )
    started = time.monotonic()
    assert _closed_within(slow_headers, 5) and _closed_within(silent, 5)
    assert time.monotonic() - started < 4
    assert _closed_within(slow_body, 5)
    for s in (slow_headers, silent, slow_body):
        s.close()


def test_normal_and_keep_alive_requests_are_served(server: int) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{server}") as client:
        for _ in range(3):  # one connection, several requests, pauses shorter than the limits
            assert client.get("/healthz").status_code == 200
            time.sleep(0.5)
        head = client.head("/healthz")
        assert head.status_code == 200


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET /healthz HTTP/1.1\r\n\r\n", 400),  # no Host
        (
            b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde",
            400,
        ),
        (b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n", 431),
    ],
)
def test_malformed_http_gets_a_problem(server: int, raw: bytes, status: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        # The server may answer and close before the whole header is sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)
        sock.settimeout(5)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status}".encode()), head[:100]
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(body)["status"] == status

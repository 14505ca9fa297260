"""The HTTP server's protocol: uvicorn's h11 protocol with read deadlines.

uvicorn closes idle keep-alive connections, but a client that opens a connection and sends a
request's headers a byte at a time ("slowloris"), or a body slower than any real upload, holds
the connection for ever. Here a request's headers must arrive within
``BRIEFING_HEADER_TIMEOUT_S`` of its first byte (or of the connection), and its body within
``BRIEFING_BODY_TIMEOUT_S`` of its headers; otherwise the connection is closed.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
from uvicorn.protocols.http.h11_impl import H11Protocol

from briefing.settings import get_settings


class GuardedH11Protocol(H11Protocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.header_timeout_s = settings.header_timeout_s
        self.body_timeout_s = settings.body_timeout_s
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_for: object = None  # h11.IDLE (headers) or h11.SEND_BODY (body)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._disarm()  # idle keep-alive is uvicorn's own timeout; the next bytes re-arm

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """Malformed HTTP (no Host, bad or twice-given Content-Length, headers over the 16 KiB
        h11 buffer...) gets a problem+json like every other error, not uvicorn's plain text."""
        # uvicorn passes a fixed message; what h11 still holds tells an oversized head apart.
        pending = len(self.conn.trailing_data[0])
        limit = self.config.h11_max_incomplete_event_size or DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
        too_large = pending >= limit
        status = 431 if too_large else 400
        title = "Request header fields too large" if too_large else "Malformed HTTP request"
        detail = (
            "the request line and headers are over 16 KiB"
            if too_large
            else "the request is not "
            "valid HTTP/1.1 (a missing Host header, a bad or repeated Content-Length...)"
        )
        body = json.dumps(
            {"type": "about:blank", "title": title, "status": status, "detail": detail}
        ).encode()
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        try:
            self.transport.write(self.conn.send(h11.Response(status_code=status, headers=headers)))
            self.transport.write(self.conn.send(h11.Data(data=body)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:  # h11 cannot answer in this state: just close
            pass
        self.transport.close()

    def _watch(self) -> None:
        state: object = self.conn.their_state
        if state is h11.IDLE and self.cycle is not None and not self.cycle.response_complete:
            state = None  # a request is being answered; nothing to wait for from the client
        if state not in (h11.IDLE, h11.SEND_BODY):
            self._disarm()
            return
        if self._deadline is not None and self._waiting_for is state:
            return  # already counting down for this part of the request
        self._disarm()
        timeout = self.header_timeout_s if state is h11.IDLE else self.body_timeout_s
        self._waiting_for = state
        self._deadline = self.loop.call_later(timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._waiting_for = None

    def _expire(self) -> None:
        self._deadline = None
        if self.conn.their_state is self._waiting_for and not self.transport.is_closing():
            self.transport.close()

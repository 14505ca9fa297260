"""A stub OpenAI-compatible model server for the fault and load benchmarks: a fixed latency,
a valid brief draft (or a one-sentence cited answer for chat), and faults on demand.

    python -m eval.stub_llm --port 8100 --latency-ms 200

``POST /control`` with ``{"mode": M, "count": N, "seconds": S}`` makes the next N requests
(or every request for S seconds) answer with fault M: ``hang`` (no answer for a minute),
``429`` (with ``Retry-After: 1``), ``500``, ``503``, ``truncated`` (JSON cut in half),
``invalid`` (prose, not JSON); ``{"mode": "ok"}`` clears it. ``GET /stats`` counts requests
by outcome. Standard library only, one thread per request.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DRAFT = json.dumps(
    {
        "bluf": "The report describes the events.",
        "actors": [],
        "developments": [],
        "uncertainties": [],
    }
)
ANSWER = "The reports describe it [1]."
FAULTS = ("hang", "429", "500", "503", "truncated", "invalid")


class State:
    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.lock = threading.Lock()
        self.mode = "ok"
        self.left = 0  # requests the fault still applies to
        self.until = 0.0  # or until this time
        self.stats: dict[str, int] = {}

    def take(self) -> str:
        """The outcome of the next request."""
        with self.lock:
            mode = "ok"
            if self.mode != "ok" and (self.left > 0 or time.monotonic() < self.until):
                mode = self.mode
                self.left = max(0, self.left - 1)
            self.stats[mode] = self.stats.get(mode, 0) + 1
            return mode


def handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: Any) -> None:  # quiet
            pass

        def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._json(200, {"object": "list", "data": [{"id": "stub", "object": "model"}]})
            elif self.path == "/stats":
                with state.lock:
                    self._json(200, dict(state.stats))
            else:
                self._json(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            body = self._body()
            if self.path == "/control":
                with state.lock:
                    state.mode = body.get("mode", "ok")
                    state.left = int(body.get("count", 0))
                    state.until = time.monotonic() + float(body.get("seconds", 0))
                self._json(200, {"mode": state.mode})
                return
            if not self.path.endswith("/chat/completions"):
                self._json(404, {"error": {"message": "not found"}})
                return
            mode = state.take()
            if mode == "hang":
                time.sleep(60)
                return
            time.sleep(state.latency_s)
            if mode in ("429", "500", "503"):
                error = {"error": {"message": f"stub fault {mode}", "type": "server_error"}}
                self._json(int(mode), error, {"Retry-After": "1"} if mode == "429" else None)
                return
            wants_json = "response_format" in body or any(
                "json" in str(m.get("content", "")).lower() for m in body.get("messages", [])
            )
            content = DRAFT if wants_json else ANSWER
            if mode == "truncated":
                content = content[: len(content) // 2]
            elif mode == "invalid":
                content = "I would rather not answer in JSON today."
            if body.get("stream"):
                self._stream(content)
                return
            self._json(
                200,
                {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": "stub",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                },
            )

        def _stream(self, content: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()

            def event(delta: dict[str, Any], finish: str | None = None) -> None:
                chunk = {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": "stub",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())

            event({"role": "assistant", "content": ""})
            event({"content": content})
            event({}, "stop")
            self.wfile.write(b"data: [DONE]\n\n")
            self.close_connection = True

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(State(args.latency_ms / 1000)))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()

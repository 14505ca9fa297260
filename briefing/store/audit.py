"""The audit log of API key use, written in batches off the request path.

Requests only append to a bounded in-memory buffer; a thread writes the buffer to the
``key_audit`` table once a second. If the database is slow the buffer keeps the newest
entries and counts what it dropped (logged), so auditing never slows or fails a request.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import deque
from dataclasses import dataclass

from sqlalchemy import insert, select

from briefing.store.db import Database
from briefing.store.models import KeyAuditRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyUse:
    key_id: str
    method: str
    route: str
    status: int
    at: dt.datetime


class AuditLog:
    def __init__(self, db: Database, flush_s: float = 1.0, max_buffer: int = 10_000) -> None:
        self.db = db
        self.flush_s = flush_s
        self._buffer: deque[KeyUse] = deque(maxlen=max_buffer)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def record(self, key_id: str, method: str, route: str, status: int) -> None:
        use = KeyUse(key_id, method[:10], route[:200], status, dt.datetime.now(dt.UTC))
        with self._lock:
            if len(self._buffer) == self._buffer.maxlen:
                self.dropped += 1
            self._buffer.append(use)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="key-audit", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self.flush()

    def _loop(self) -> None:
        while not self._stop.wait(self.flush_s):
            self.flush()

    def flush(self) -> int:
        with self._lock:
            batch = list(self._buffer)
            self._buffer.clear()
        if not batch:
            return 0
        try:
            with self.db.session() as s:
                s.execute(
                    insert(KeyAuditRow),
                    [
                        {
                            "key_id": u.key_id,
                            "method": u.method,
                            "route": u.route,
                            "status": u.status,
                            "at": u.at,
                        }
                        for u in batch
                    ],
                )
        except Exception:
            log.exception("could not write %d audit entries; they are dropped", len(batch))
            self.dropped += len(batch)
            return 0
        return len(batch)


def recent_uses(db: Database, key_id: str | None = None, limit: int = 100) -> list[KeyAuditRow]:
    query = select(KeyAuditRow).order_by(KeyAuditRow.id.desc()).limit(limit)
    if key_id:
        query = query.where(KeyAuditRow.key_id == key_id)
    with db.session() as s:
        return list(s.scalars(query))

"""schemathesis on PostgreSQL (issue: harden the service): every operation, then the stateful
phase (sequences of calls chained by the links schemathesis infers from the responses and
the path parameters: create a report, brief it, read the job, the brief, the schedule...).
No 5xx, no response that breaks the OpenAPI document.

The service gets a database of its own (``test_fuzz`` on the same server) so the other
PostgreSQL tests, which reset ``test``, never pull its tables away mid-run.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from scripted import ScriptedChatModel
from service_fixtures import DRAFT
from sqlalchemy import create_engine, text

from briefing.llm.backend import Backend
from briefing.service import Service
from briefing.settings import Settings, StructuredMode
from briefing.store.keys import create_key
from briefing_api.app import create_app

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _fresh_database(name: str) -> str:
    engine = create_engine(f"{SERVER}/test", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return f"{SERVER}/{name}"


_settings = Settings(
    database_url=_fresh_database("test_fuzz"),
    rate_limit_per_minute=100_000,
    scheduler_enabled=False,
)
_backend = Backend(
    chat=ScriptedChatModel(default=DRAFT),
    model="scripted",
    label="scripted",
    mode=StructuredMode.PLAIN,
)
SERVICE = Service(_settings, backend=_backend)
APP = create_app(_settings, service=SERVICE)
_, KEY = create_key(SERVICE.db, "fuzz", scopes=("read", "write", "admin"))
SERVICE.start()
HEADERS = {"Authorization": f"Bearer {KEY}"}

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# A schema-valid request may still be refused by design (an id that does not exist, a
# cursor the service never issued): every check but "valid data must get a 2xx".
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_on_postgres(case: schemathesis.Case) -> None:
    excluded = list(EXCLUDED)
    if (case.media_type or "").startswith("text/"):
        excluded.append(schemathesis.checks.negative_data_rejection)
    case.call_and_validate(headers=HEADERS, excluded_checks=excluded)


STATUSES: list[int] = []


class StatefulAPI(schema.as_state_machine()):  # type: ignore[misc]
    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
        return {"headers": HEADERS}

    def after_call(self, response: Any, case: schemathesis.Case) -> None:
        STATUSES.append(response.status_code)

    def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
        excluded = list(EXCLUDED)
        if (case.media_type or "").startswith("text/"):
            excluded.append(schemathesis.checks.negative_data_rejection)
        case.validate_response(response, excluded_checks=excluded)


def _transitions() -> list[str]:
    """The state machine's rules that chain one operation's answer into the next."""
    methods = ("GET", "POST", "PATCH", "PUT", "DELETE")
    return [n for n in dir(StatefulAPI) if n.startswith(methods) and "___" in n]


def test_the_stateful_phase_on_postgres() -> None:
    # Links inferred from the responses and path parameters (POST /v1/briefs -> GET
    # /v1/jobs/{job_id}, POST /v1/digest-schedules -> PATCH .../{schedule_id}, ...).
    assert len(_transitions()) >= 20, _transitions()
    STATUSES.clear()
    StatefulAPI.run(
        settings=settings(
            max_examples=30,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert len(STATUSES) >= 30  # sequences ran
    assert all(s < 500 for s in STATUSES)
    assert any(200 <= s < 300 for s in STATUSES)  # and reached real resources

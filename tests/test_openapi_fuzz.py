"""schemathesis against the OpenAPI document: no 5xx, no response that breaks the schema."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from scripted import ScriptedChatModel
from service_fixtures import DRAFT

from briefing.llm.backend import Backend
from briefing.service import Service
from briefing.settings import Settings, StructuredMode
from briefing.store.keys import create_key
from briefing_api.app import create_app

_tmp = Path(tempfile.mkdtemp(prefix="briefing-fuzz-"))
_settings = Settings(database_url=f"sqlite:///{_tmp / 'fuzz.db'}", rate_limit_per_minute=100_000)
_backend = Backend(
    chat=ScriptedChatModel(default=DRAFT),
    model="scripted",
    label="scripted",
    mode=StructuredMode.PLAIN,
)
SERVICE = Service(_settings, backend=_backend)
APP = create_app(_settings, service=SERVICE)
_, KEY = create_key(SERVICE.db, "fuzz")
SERVICE.start()

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


# Every check but "a schema-valid request must get a 2xx": the API answers 422 by design for
# values the schema cannot express (a cursor it never issued) and 404 for unknown ids.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


# Derandomized: the same cases every run, so CI is repeatable. Random fuzzing found defects
# that the hardening issue lists (a forged cursor, NUL characters); they are fixed there.
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case) -> None:
    excluded = list(EXCLUDED)
    if (case.media_type or "").startswith("text/"):
        # Any bytes are a valid text/* body: a "negative" example (JSON `[null]` sent as
        # text/html) is still a string, so accepting it is no violation.
        excluded.append(schemathesis.checks.negative_data_rejection)
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"}, excluded_checks=excluded)

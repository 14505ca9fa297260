"""The CLI as users run it: a real process, real exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.cli import app
from briefing.schemas.brief import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "briefing.cli", *args],
        input=stdin,
        capture_output=True,
        env=full_env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "brief" in result.output and "schema" in result.output
    brief_help = CliRunner().invoke(app, ["brief", "--help"])
    assert "--format" in brief_help.output and "standard input" in brief_help.output


def test_schema_prints_the_brief_json_schema() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "Brief"
    assert {"bluf", "actors", "developments", "claims", "uncertainties", "sources"} <= set(
        schema["properties"]
    )
    assert schema["$defs"]["Span"]["required"] == ["start", "end", "text"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["brief", "no-such-file.txt"], None, "no such file"),
        (["brief", "-"], b"", "empty"),
        (["brief", "-"], b"\xff\xfe bad bytes", "not valid UTF-8"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], stdin: bytes | None, message: str
) -> None:
    result = run_cli(*args, stdin=stdin)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert result.stdout == b""


def test_backend_down_exits_3_with_one_line(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("HUR says Russia has dismissed General Sergey Kisel.")
    result = run_cli(
        "brief",
        str(report),
        "--quiet",
        env={
            "BRIEFING_LLM_BASE_URL": "http://127.0.0.1:9/v1",
            "BRIEFING_LLM_TRANSPORT_RETRIES": "1",
        },
    )
    err = result.stderr.decode()
    assert result.returncode == 3, err
    assert "model backend is unavailable" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_embedded_model_that_cannot_start_exits_3(tmp_path: Path) -> None:
    bogus = tmp_path / "broken.gguf"
    bogus.write_bytes(b"not a gguf file")
    report = tmp_path / "r.txt"
    report.write_text("HUR says Russia has dismissed General Sergey Kisel.")
    result = run_cli(
        "brief",
        str(report),
        "--quiet",
        env={"BRIEFING_EMBEDDED_MODEL_PATH": str(bogus), "BRIEFING_EMBEDDED_START_TIMEOUT_S": "60"},
    )
    err = result.stderr.decode()
    assert result.returncode == 3, err
    assert "embedded model server" in err and "Traceback" not in err


@pytest.mark.embedded
def test_brief_cache_answers_a_rerun_without_asking_the_model(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("HUR says Russia has dismissed General Sergey Kisel in Syria.")
    env = {"BRIEFING_DATABASE_URL": f"sqlite:///{tmp_path / 'cache.db'}"}
    first = run_cli("brief", str(report), "--cache", env=env)
    assert first.returncode == 0, first.stderr.decode()
    asked = first.stderr.decode()
    assert "model answers: 0 from the cache," in asked and ", 0 asked" not in asked
    again = run_cli("brief", str(report), "--cache", env=env)  # a new process, a new port
    assert again.returncode == 0, again.stderr.decode()
    assert ", 0 asked" in again.stderr.decode() and "0 from the cache" not in again.stderr.decode()
    assert json.loads(again.stdout)["bluf"] == json.loads(first.stdout)["bluf"]
    uncached = run_cli("brief", str(report), env=env)
    assert "model answers" not in uncached.stderr.decode()  # off unless asked for


@pytest.mark.embedded
def test_brief_of_the_example_on_the_embedded_model_as_json_and_markdown() -> None:
    example = "examples/syria-leadership-2024-12-02.txt"
    result = run_cli("brief", example)
    assert result.returncode == 0, result.stderr.decode()
    brief = json.loads(result.stdout)
    assert (
        brief["schema_version"] == SCHEMA_VERSION and brief["provenance"]["backend"] == "embedded"
    )
    assert "asking smollm2-135m-instruct" in result.stderr.decode()  # progress on stderr
    md = run_cli("brief", "-", "--format", "md", "--quiet", stdin=(ROOT / example).read_bytes())
    assert md.returncode == 0, md.stderr.decode()
    text = md.stdout.decode()
    assert text.startswith("# Brief:")
    assert text.index("## Bottom line up front") < text.index("## Key actors")
    assert "Sergey Kisel" in text and md.stderr == b""


def test_eval_prints_the_untuned_part_without_a_model(tmp_path: Path) -> None:
    result = run_cli(
        "eval",
        "eval/data/wikievents-dev",
        "--no-model",
        "--part",
        "report",
        "--out",
        str(tmp_path),
        env={"BRIEFING_LLM_BASE_URL": "http://127.0.0.1:9/v1"},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "untuned part" in out and "tuning part" not in out and "no model" in out
    assert (tmp_path / "eval-wikievents-dev.json").is_file()
    bad = run_cli("eval", "eval/data/wikievents-dev", "--no-model", "--part", "all")
    assert bad.returncode == 2 and b"--part must be" in bad.stderr


def test_keys_with_scopes_expiry_and_rotation(tmp_path: Path) -> None:
    env = {"BRIEFING_DATABASE_URL": f"sqlite:///{tmp_path / 'keys.db'}"}
    made = run_cli(
        "keys",
        "create",
        "--name",
        "feed-reader",
        "--scope",
        "read",
        "--expires-in-days",
        "30",
        env=env,
    )
    assert made.returncode == 0, made.stderr.decode()
    key = made.stdout.decode().strip()
    assert key.startswith("brf_") and b"scopes read" in made.stderr
    listed = run_cli("keys", "list", env=env).stdout.decode()
    assert "\tread\t" in listed and "active until" in listed
    rotated = run_cli("keys", "rotate", key[:10], "--grace-hours", "2", env=env)
    assert rotated.returncode == 0 and rotated.stdout.decode().strip().startswith("brf_")
    assert rotated.stdout.decode().strip() != key
    bad = run_cli("keys", "create", "--name", "x", "--scope", "root", env=env)
    assert bad.returncode == 2 and b"scopes must be some of read, write, admin" in bad.stderr


@pytest.mark.parametrize("command", ["worker", "serve"])
def test_celery_without_a_broker_is_a_configuration_error(command: str) -> None:
    result = run_cli(command, env={"BRIEFING_QUEUE": "celery"})
    assert result.returncode == 4
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "needs a broker" in lines[0] and "Traceback" not in lines[0]


def test_help_reflows_each_paragraph_to_the_terminal() -> None:
    """A docstring's line breaks are not the help's: a paragraph fills the terminal's width
    (typer keeps a later paragraph's line breaks unless its help is read as Markdown)."""
    wide = CliRunner().invoke(app, ["digest", "--help"], env={"COLUMNS": "200"})
    assert wide.exit_code == 0
    lines = [" ".join(line.split()) for line in wide.output.splitlines()]
    assert (
        "Reports are in the window by their published date (front matter or metadata line), "
        "else by their file's modification time. Without --since the window starts at the "
        "earliest one." in lines
    )
    listing = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    sweep = next(line for line in listing.splitlines() if line.startswith("│ sweep "))
    assert "until stopped (SIGTERM or Ctrl-C). Each briefing worker runs one" in sweep

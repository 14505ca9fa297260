"""Packaging (issue: scale-out, item 5): a wheel (not an editable install) carries the prompts
and data files, installs no generic top-level package, and briefs the example from another
folder."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (found,) = out.glob("briefing-*.whl")
    return found


def test_the_wheel_ships_prompts_and_data_under_its_own_names(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"briefing", "briefing_api", next(t for t in tops if t.endswith(".dist-info"))}
    for task in ("brief", "repair", "reduce", "digest_event", "chat_answer"):
        assert any(n.startswith(f"briefing/prompts/{task}/v") for n in names), task
    for data in ("injection", "lexicon", "publishers", "conflicts", "countries"):
        assert f"briefing/data/{data}.yaml" in names


def test_an_installed_wheel_briefs_the_example_from_another_folder(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "report.txt").write_bytes(
        (ROOT / "examples/syria-leadership-2024-12-02.txt").read_bytes()
    )
    script = (
        "import json, briefing, briefing_api.app\n"
        "from briefing import BriefChain, load_report\n"
        "chain = BriefChain()\n"
        "brief = chain.run(load_report(open('report.txt', 'rb').read()), use_model=False)\n"
        "print(json.dumps({'file': briefing.__file__, 'api': briefing_api.app.__file__,\n"
        "    'prompts': str(chain.settings.prompts_dir), 'versions': chain.prompt_versions,\n"
        "    'claims': [c.chain for c in brief.claims], 'bluf': brief.bluf}))\n"
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["file"].startswith(str(target)) and got["api"].startswith(str(target))
    assert got["prompts"].startswith(str(target))
    assert set(got["versions"]) >= {"brief", "repair", "reduce"}
    assert "Syria" in got["bluf"] and any("ISW" in c for c in got["claims"])

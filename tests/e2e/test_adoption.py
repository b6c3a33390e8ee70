"""End to end, as a tool's author adopts usage-consent (issue 18): ``usage-consent new-host`` for each
CLI library, usage-consent and the host installed from wheels into a fresh virtual environment, the
host's own tests pass there, and its first run shows the notice, its opt-outs work and its records are
where the notice says.

The fresh environment takes its third-party packages (pydantic, click, Typer, pytest, setuptools)
from the test run's own environment through a ``.pth`` line, so nothing is downloaded; usage-consent
and the host come only from their wheels (checked)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from usage_consent.testing._server import ReportServer

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
LEFT_OUT = shutil.ignore_patterns(".git", ".venv", "tests", "benchmarks", "build", "*.egg-info", "__pycache__",
                                  ".pytest_cache", ".ruff_cache", ".hypothesis", "docs", "examples")


def run(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    """A command that must succeed (its output is shown when it does not)."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, **options)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


def isolation() -> list[str]:
    """Build without an isolated environment when this one can build (setuptools>=69 and wheel): no index
    is asked; otherwise pip builds in isolation from its configured index."""
    try:
        import setuptools
        import wheel  # noqa: F401
    except ImportError:
        return []
    return ["--no-build-isolation"] if int(setuptools.__version__.split(".")[0]) >= 69 else []


@pytest.fixture(scope="session")
def uc_wheel(tmp_path_factory) -> Path:
    """usage-consent's wheel, built once per test session from a copy of the source tree."""
    root = tmp_path_factory.mktemp("uc-wheel")
    source = root / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=LEFT_OUT)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation(), "-w", str(root / "dist"), str(source)])
    (built,) = (root / "dist").glob("usage_consent-*.whl")
    return built


def fresh_venv(folder: Path) -> Path:
    """A new virtual environment whose only extra path is this environment's site-packages (third-party
    packages); its python."""
    run([sys.executable, "-m", "venv", "--without-pip", str(folder)])
    python = folder / "bin" / "python"
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    Path(purelib, "_outer_site.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def notice_records_dir(notice: str, home: Path) -> Path:
    """The folder the notice says every report is kept under (``~`` is ``home``)."""
    lines = notice.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Every report is kept, exactly as sent, under"))
    written = lines[at + 1].strip()
    return home / written[2:] if written.startswith("~/") else Path(written)


@pytest.mark.parametrize("cli", ["argparse", "click", "typer"])
def test_a_generated_host_works_from_wheels(cli, uc_wheel, tmp_path):
    """new-host --cli CLI, pip install of both wheels into a fresh environment, the host's tests pass there;
    its first run shows the notice and sends nothing, the next is recorded where the notice says and
    sent, and `minicp usage set false` and MINICP_USAGE_STATS_ENABLED=0 each stop it."""
    python = fresh_venv(tmp_path / "venv")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
           *isolation()]
    run([*pip, str(uc_wheel)])
    host = tmp_path / "minicp"  # written by the installed usage-consent: its templates come from the wheel
    run([str(python.parent / "usage-consent"), "new-host", "minicp", "--dir", str(host), "--cli", cli], cwd=tmp_path)
    run([*pip, str(host)])
    where = run([str(python), "-c", "import usage_consent, minicp; print(usage_consent.__file__, minicp.__file__)"],
                cwd=tmp_path)
    assert all(path.startswith(str(tmp_path / "venv")) for path in where.stdout.split()), where.stdout

    bin_dir = python.parent
    home = tmp_path / "home"
    (home / "tmp").mkdir(parents=True)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "HOME": str(home),
           "TMPDIR": str(home / "tmp"), "USAGE_CONSENT_LOOPBACK_ONLY": "1", "LANG": "C.UTF-8"}
    tested = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(host)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=300)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert re.search(r"\b6 passed\b", tested.stdout), tested.stdout

    collector = ReportServer()
    try:
        config = home / ".config" / "minicp" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(f'[usage_stats]\nendpoint = "{collector.url}"\n')
        (tmp_path / "a.txt").write_text("hello")

        def minicp(*words: str, **extra: str) -> subprocess.CompletedProcess[str]:
            return run([str(bin_dir / "minicp"), *words], env={**env, **extra}, cwd=tmp_path)

        def records() -> list[Path]:
            return sorted(records_dir.glob("*/*/usage_stats.json"))

        first = minicp("cp", "a.txt", "b.txt")
        assert "minicp collects anonymous usage statistics" in first.stderr
        assert (tmp_path / "b.txt").read_text() == "hello"
        records_dir = notice_records_dir(first.stderr, home)
        assert records_dir.is_relative_to(home / "tmp")
        assert records() == [] and collector.reports == []

        second = minicp("cp", "a.txt", "c.txt")
        assert second.stderr == ""
        (record,) = records()
        collector.wait_for(1, 10)
        assert [json.loads(record.read_text())] == collector.reports
        assert collector.reports[0]["command"] == "cp" and collector.reports[0]["bytes_copied"] == 5

        minicp("usage", "set", "false")
        assert tomllib.loads(config.read_text())["usage_stats"]["enabled"] is False
        minicp("cp", "a.txt", "d.txt")
        minicp("usage", "unset")
        minicp("cp", "a.txt", "e.txt", MINICP_USAGE_STATS_ENABLED="0")
        assert len(collector.reports) == 1 and len(records()) == 1
        assert json.loads(minicp("usage", "explain", "--json").stdout)["mode"] == "on"
    finally:
        collector.stop()

"""``usage-consent new-host NAME [--dir DIR] [--cli argparse|click|typer]``: a complete, working host
package for a tool called NAME, from the templates beside this module (rendered with string.Template).

It writes a pyproject.toml (console script NAME), the policy (NAME_USAGE_STATS_ENABLED,
~/.config/NAME/config.toml ``[usage_stats] enabled``, DO_NOT_TRACK, CI, the notice naming NAME's
commands, ``schemas_dir = "schemas"`` beside it), a report model subclassing BaseReport released as
v1 by the real ``schema init``, a sample ``NAME cp SRC DST``, the ``NAME usage ...`` commands, and a
pytest suite that uses ``usage_stats_sandbox``.
"""

from __future__ import annotations

import argparse
import keyword
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from string import Template

from usage_consent.cli._commands import CLIS
from usage_consent.errors import UsageConsentError

__all__ = ["CLIS", "name_problem", "run_new_host", "write_host"]

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MAX_NAME = 40
TEMPLATES = Path(__file__).parent / "templates"
# Template (templates/<name>.tmpl; CLI: the --cli folder) -> where it is written (PKG: the package folder).
FILES = {
    "common/pyproject.toml": "pyproject.toml",
    "common/init.py": "PKG/__init__.py",
    "common/main.py": "PKG/__main__.py",
    "common/transfer.py": "PKG/transfer.py",
    "common/report.py": "PKG/report.py",
    "common/telemetry.toml": "PKG/telemetry.toml",
    "CLI/cli.py": "PKG/cli.py",
    "common/test_host.py": "tests/test_PKG.py",
    "common/README.md": "README.md",
}
EXTRA_DEPENDENCY = {"argparse": "", "click": ', "click>=8.1"', "typer": ', "typer>=0.12"'}
# Names a package may not take: it would hide a module the host imports.
TAKEN = {"usage_consent", "pydantic", "pydantic_settings", "jsonschema", "referencing", "requests", "tomli_w",
         "click", "typer", "pytest", "tests", "setuptools"}


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a tool's name (its command and, with - as _, its package), or None."""
    if not NAME.match(name) or len(name) > MAX_NAME:
        return (f"{name!r} is not a tool name: lowercase letters, digits and single hyphens, starting with a "
                f"letter, at most {MAX_NAME} characters (for example minicp or my-tool)")
    package = name.replace("-", "_")
    if keyword.iskeyword(package) or package in sys.stdlib_module_names or package in TAKEN:
        return f"{name!r} is not a tool name here: its package {package!r} would hide a Python module of that name"
    return None


def run_new_host(args: argparse.Namespace) -> int:
    from usage_consent.cli._execute import UsageError

    problem = name_problem(args.name)
    if problem:
        raise UsageError(problem)
    folder = args.dir or Path(args.name)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder}: exists and is not an empty folder; nothing was written")
    write_host(args.name, folder, args.cli)
    package = args.name.replace("-", "_")
    print(f"wrote {folder}: the host {args.name} ({args.cli}), its policy {package}/telemetry.toml and its "
          "report schema v1")
    print(f"next: pip install {_as_path(folder)} && pytest {_as_path(folder)}")
    return 0


def _as_path(folder: Path) -> str:
    """``folder`` spelled so that pip reads it as a folder, not a package name on an index (``./minicp``)."""
    text = str(folder)
    if not folder.is_absolute() and os.sep not in text and not text.startswith("."):
        text = f".{os.sep}{text}"
    return shlex.quote(text)


def _values(name: str, cli: str) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        uc_version = version("usage-consent")
    except PackageNotFoundError:
        uc_version = "0.1.0"
    return {"name": name, "package": name.replace("-", "_"), "cli": cli,
            "env_variable": f"{name.upper().replace('-', '_')}_USAGE_STATS_ENABLED",
            "uc_version": uc_version, "extra_dependency": EXTRA_DEPENDENCY[cli]}


def write_host(name: str, folder: Path, cli: str) -> None:
    """Write the host package into ``folder`` (created) and release its schema v1; on failure the
    folder is removed again (only what this call created)."""
    values = _values(name, cli)
    created = not folder.exists()
    try:
        for template, target in FILES.items():
            text = Template((TEMPLATES / f"{template.replace('CLI', cli)}.tmpl").read_text("utf-8")).substitute(values)
            path = folder / target.replace("PKG", values["package"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        _release_v1(folder, values["package"])
    except BaseException:
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            for entry in folder.iterdir():
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        raise


def _release_v1(folder: Path, package: str) -> None:
    """``usage-consent --policy PACKAGE/telemetry.toml schema init`` in the new project's folder."""
    command = [sys.executable, "-m", "usage_consent.cli._main", "--policy", f"{package}/telemetry.toml",
               "schema", "init"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, check=False, cwd=folder, capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise UsageConsentError(f"schema init failed: {done.stderr.strip() or done.stdout.strip()}",
                                layer="new-host", path=str(folder))

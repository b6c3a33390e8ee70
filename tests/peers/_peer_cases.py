"""The peers' conformance cases (tests/peers/cases/<tool>.toml), loaded and laid out on disk.

A helper module, not a test module: tests/peers/test_conformance.py and the manual
tests/peers/check_real.py both use it. Each case runs in its own folder::

    <root>/home        HOME ("~/" in a file path)
    <root>/tmp         TMPDIR
    <root>/work/app    the working folder ("./"); "../" is <root>/work
    <root>/...         "{root}/" in a file path: a place outside HOME (a tool's own install folder)

Placeholders in variable values, file paths and file contents: ``{root}``, ``{home}``, ``{cwd}``,
``{today}`` and ``{today-N}`` (a UTC date N days ago, YYYY-MM-DD). A file whose content is
``"<dir>"`` is created as a folder.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CASES_DIR = Path(__file__).resolve().parent / "cases"
REPO = Path(__file__).resolve().parents[2]
EXPECTED = ("on", "off", "local", "error")
# The engine features a case can need (docs/peers-engine-spec.md, one section each).
FEATURES = ("value_map", "on_unrecognised", "path_template", "host_marker", "file_format", "any_non_empty",
            "print_only", "project_file", "match_case", "variable_fallback", "as_of", "when", "requires",
            "value_indirection")
WHEN = ("container", "not_container")
_DATE = re.compile(r"\{today(?:-(\d+))?\}")


@dataclass(frozen=True)
class Case:
    """One row of a tool's table: the environment and files, and what the tool decides."""

    tool: str
    id: str
    expect: str
    follows: str
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    when: str | None = None
    home_mode: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Table:
    tool: str
    version: str
    source: str
    real: str
    cases: tuple[Case, ...]


def in_container() -> bool:
    """The check is-docker makes (Next.js): /.dockerenv exists or "docker" is in /proc/self/cgroup."""
    if os.path.exists("/.dockerenv"):
        return True
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as cgroup:
            return "docker" in cgroup.read()
    except OSError:
        return False


def load_table(path: Path) -> Table:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    tool = path.stem
    cases = []
    for row in data["cases"]:
        unknown = set(row) - {"id", "expect", "follows", "env", "files", "needs", "when", "home_mode", "note"}
        if unknown:
            raise ValueError(f"{path.name}: case {row.get('id')!r}: unknown keys {sorted(unknown)}")
        case = Case(tool=tool, id=row["id"], expect=row["expect"], follows=row["follows"],
                    env=dict(row.get("env", {})), files=dict(row.get("files", {})),
                    needs=tuple(row.get("needs", ())), when=row.get("when"),
                    home_mode=int(row["home_mode"], 8) if "home_mode" in row else None, note=row.get("note", ""))
        if case.expect not in EXPECTED:
            raise ValueError(f"{path.name}: case {case.id!r}: expect must be one of {EXPECTED}")
        if bad := set(case.needs) - set(FEATURES):
            raise ValueError(f"{path.name}: case {case.id!r}: unknown features {sorted(bad)}")
        if case.when is not None and case.when not in WHEN:
            raise ValueError(f"{path.name}: case {case.id!r}: when must be one of {WHEN}")
        cases.append(case)
    ids = [case.id for case in cases]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path.name}: case ids repeat")
    return Table(tool, data["version"], data["source"], data.get("real", ""), tuple(cases))


def load_tables() -> list[Table]:
    return [load_table(path) for path in sorted(CASES_DIR.glob("*.toml"))]


def skip_reason(case: Case) -> str | None:
    """Why this machine cannot run the case (it is written for a container, or for outside one)."""
    if case.when == "container" and not in_container():
        return "the case is for a container; this machine is not one"
    if case.when == "not_container" and in_container():
        return "the case is for a machine that is not a container; this one is (/.dockerenv or cgroup)"
    return None


@dataclass(frozen=True)
class Layout:
    root: Path
    home: Path
    tmp: Path
    cwd: Path

    def expand(self, text: str) -> str:
        def date(match: re.Match[str]) -> str:
            days = int(match.group(1) or 0)
            return (_dt.datetime.now(_dt.UTC).date() - _dt.timedelta(days=days)).isoformat()

        text = _DATE.sub(date, text)
        return (text.replace("{root}", str(self.root)).replace("{home}", str(self.home))
                .replace("{cwd}", str(self.cwd)))

    def place(self, name: str) -> Path:
        name = self.expand(name)
        if name.startswith("~/"):
            return self.home / name[2:]
        if name.startswith("./"):
            return self.cwd / name[2:]
        if name.startswith("../"):
            return self.cwd.parent / name[3:]
        if name.startswith(str(self.root) + "/"):
            return Path(name)
        raise ValueError(f"file path {name!r} must start with ~/, ./, ../ or {{root}}/")


def lay_out(case: Case, root: Path) -> tuple[Layout, dict[str, str]]:
    """Create the case's folders and files under ``root``; return the layout and the variables
    to run with (nothing else from this process's environment, except PATH)."""
    layout = Layout(root, root / "home", root / "tmp", root / "work" / "app")
    for folder in (layout.home, layout.tmp, layout.cwd):
        folder.mkdir(parents=True, exist_ok=True)
    for name, content in case.files.items():
        path = layout.place(name)
        if content == "<dir>":
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(layout.expand(content).encode("utf-8"))
    if case.home_mode is not None:
        layout.home.chmod(case.home_mode)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(layout.home), "TMPDIR": str(layout.tmp),
           "LANG": "C.UTF-8"}
    env.update({name: layout.expand(value) for name, value in case.env.items()})
    return layout, env

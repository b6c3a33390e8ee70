"""The documentation: a short README that links into docs/, and reference pages generated so they cannot drift."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_is_at_most_200_lines() -> None:
    """README stays an introduction; the rest of the documentation lives in docs/."""
    assert len(README.splitlines()) <= 200


@pytest.mark.parametrize("command", [
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/usage-consent explain",
    ".venv/bin/python -m pytest",
], ids=["set-up-and-explain", "run-the-tests"])
def test_readme_keeps_the_two_commands(command: str) -> None:
    """The two commands a newcomer runs are in README exactly as written."""
    assert f"\n{command}\n" in README


@pytest.mark.parametrize("target", sorted({link.split("#")[0] for link in re.findall(r"\]\(([^)]+)\)", README)
                                           if not link.startswith(("http://", "https://"))}))
def test_readmes_relative_links_point_at_files(target: str) -> None:
    """Each relative link in README opens a file of the repository (they work on GitHub too)."""
    assert (ROOT / target).exists()


def test_the_policy_reference_names_every_key_of_the_policy_schema() -> None:
    """The generated policy reference has a row for every key of every table of schemas/policy.schema.json."""
    schema = json.loads((ROOT / "schemas" / "policy.schema.json").read_text())
    page = _hooks().policy_schema_markdown(schema)
    for name, definition in [("Policy", schema), *schema["$defs"].items()]:
        for key in definition["properties"]:
            assert f"| `{key}` |" in page, (name, key)
    assert page.count("\n### ") == 1 + len(schema["$defs"])


def test_the_commands_reference_holds_every_commands_help() -> None:
    """The generated commands reference is each command's and action's own --help."""
    page = _hooks().commands_markdown()
    for title in ("usage-consent", "usage-consent explain", "usage-consent config set", "usage-consent schema bump",
                  "usage-consent policy check", "usage-consent records show"):
        assert f"### `{title}`" in page
    assert "usage: usage-consent schema bump" in page

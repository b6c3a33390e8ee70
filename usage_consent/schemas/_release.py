"""The schema-bump workflow: ``check`` that the model matches the newest release, ``bump`` to
release a new version and record it in the changelog."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from usage_consent.errors import SchemaError
from usage_consent.schemas._build import DEFAULT_MODEL, build_schema, canonical, dump, load_model
from usage_consent.schemas._diff import SchemaDiff, diff
from usage_consent.schemas._registry import load
from usage_consent.schemas._versions import PACKAGE_ROOT, current_version, schema_dir

__all__ = ["NAME", "Comparison", "add_changelog_entry", "bump", "compare", "default_changelog", "init"]

NAME = "usage_stats"


@dataclass(frozen=True)
class Comparison:
    released: int
    changes: SchemaDiff
    differs: bool

    def report(self, name: str) -> list[str]:
        if not self.differs:
            return [f"{name}: the model matches released v{self.released}"]
        lines = [f"{name}: the model differs from released v{self.released}:"]
        lines += self.changes.lines() or ["  (titles or object descriptions changed; no field did)"]
        return lines


Model = str | type[BaseModel]  # a MODULE:CLASS reference, or the class


def _model(model: Model) -> type[BaseModel]:
    return load_model(model) if isinstance(model, str) else model


def compare(model_ref: Model = DEFAULT_MODEL, root: Path | None = None, name: str = NAME) -> Comparison:
    released = current_version(name, root)
    old = load(name, released, root)
    new = build_schema(_model(model_ref), name, released)
    return Comparison(released, diff(old, new), canonical(old) != canonical(new))


def default_changelog(root: Path | None) -> Path:
    """Where ``bump`` records a release when no ``--changelog`` is given: CHANGELOG.md beside the
    host's schemas folder's contents (``<schemas_dir>/CHANGELOG.md``, created when missing); never
    a file of usage-consent's own (its schemas have no default: pass ``--changelog``)."""
    if root is None or _inside(root, PACKAGE_ROOT.parent):
        raise SchemaError("these are usage-consent's own schemas: pass --changelog FILE (no default is written "
                          "inside usage-consent's tree or an installed package)", layer="schemas")
    return root / "CHANGELOG.md"


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def init(model_ref: Model, root: Path | None, name: str = NAME) -> Path:
    """Release the model as version 1 of ``name`` in the host's schemas folder; refuse when a
    version is released already."""
    if root is None:
        raise SchemaError("the policy names no schemas_dir: usage-consent's own schemas are released with the "
                          "package; add schemas_dir to the host's policy", layer="schemas", key="schemas_dir")
    folder = schema_dir(name, root)
    released = sorted(folder.glob("v*.json")) if folder.is_dir() else []
    if released:
        raise SchemaError(f"{folder}: {name} is released already ({', '.join(p.stem for p in released)}); "
                          "change the model and run schema bump", layer="schemas", path=str(folder))
    schema = build_schema(_model(model_ref), name, 1)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "v1.json"
    target.write_text(dump(schema), encoding="utf-8")
    return target


def add_changelog_entry(path: Path, line: str) -> None:
    """Add ``line`` under "### Changed" of the Unreleased section (both created when missing)."""
    text = path.read_text(encoding="utf-8")
    unreleased = re.search(r"^## \[Unreleased\][^\n]*\n", text, flags=re.MULTILINE)
    if unreleased is None:
        first = re.search(r"^## ", text, flags=re.MULTILINE)
        at = first.start() if first else len(text)
        text = text[:at] + "## [Unreleased]\n\n" + text[at:]
        unreleased = re.search(r"^## \[Unreleased\][^\n]*\n", text, flags=re.MULTILINE)
    assert unreleased is not None
    start = unreleased.end()
    following = re.search(r"^## ", text[start:], flags=re.MULTILINE)
    end = start + following.start() if following else len(text)
    section = text[start:end]
    changed = re.search(r"^### Changed[^\n]*\n\n?", section, flags=re.MULTILINE)
    if changed:
        at = start + changed.end()
        text = text[:at] + f"- {line}\n" + text[at:]
    else:
        text = text[:start] + f"\n### Changed\n\n- {line}\n" + text[start:]
    path.write_text(text, encoding="utf-8")


def bump(model_ref: Model = DEFAULT_MODEL, root: Path | None = None, changelog: Path | None = None,
         name: str = NAME) -> tuple[Path, Comparison]:
    """Release the model as the next version; refuse when nothing changed."""
    comparison = compare(model_ref, root, name)
    if not comparison.differs:
        raise SchemaError(f"{name}: nothing changed since v{comparison.released}; no new version written",
                          layer="schemas", key=name, value=comparison.released)
    version = comparison.released + 1
    target = schema_dir(name, root) / f"v{version}.json"
    if target.exists():
        raise SchemaError(f"{target}: already exists", layer="schemas", path=str(target))
    if changelog is None:
        changelog = default_changelog(root)
        if not changelog.exists():
            changelog.write_text("# Changelog\n\n## [Unreleased]\n", encoding="utf-8")
    elif not changelog.is_file():
        raise SchemaError(f"{changelog}: no such CHANGELOG file; pass --changelog FILE", layer="schemas",
                          path=str(changelog))
    target.write_text(dump(build_schema(_model(model_ref), name, version)), encoding="utf-8")
    _regenerate_checks(name, root)
    add_changelog_entry(
        changelog,
        f"Usage-stats schema `{name}` v{version} (users are shown the notice again): "
        f"{comparison.changes.summary()}.",
    )
    return target, comparison


def _regenerate_checks(name: str, root: Path | None) -> None:
    """A packaged schema's new version: its generated check (schemas/_packaged_checks.py) written again."""
    from usage_consent.schemas._plain_source import PACKAGED_NAMES, main

    if root is None and name in PACKAGED_NAMES:
        main([])

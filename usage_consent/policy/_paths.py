"""Where a policy comes from, and the paths in it: a policy is given as a path, a ``str`` (a file
or a shipped name) or an ``importlib.resources`` resource (``files("minicp") / "telemetry.toml"``),
and every path in it that is neither absolute nor under ``~`` is relative to the policy file's
folder (so a packaged host's ``schemas_dir = "schemas"`` means the folder beside its policy).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from importlib.resources.abc import Traversable
    from typing import Any, TypeAlias

    from usage_consent.policy._model import Policy

    PolicySource: TypeAlias = str | os.PathLike[str] | Traversable

__all__ = ["EMBEDDED_COMPILED", "EMBEDDED_FILE", "EMBEDDED_NAME", "PATH_KEYS", "SHIPPED", "compiled_twin",
           "is_relative", "policy_file", "read_source", "relative_paths", "resolve_relative"]

EMBEDDED_NAME = "skyplane.toml"
# Policies shipped with the package, selected by name (``--policy skyplane-0.3``).
SHIPPED = {"skyplane": EMBEDDED_NAME, "skyplane-0.3": "skyplane-0.3.toml"}
# The same policy as JSON, read on the hot path (json is loaded already; tomllib would not be, and
# tests/test_imports.py holds decide() to that). Generated, never edited by hand:
#   usage-consent policy show --json > policy/skyplane.json
# .ci/run regenerates it and fails on any difference; tests/test_policy_files.py checks it too.
EMBEDDED_COMPILED = "skyplane.json"
# Every shipped policy has one, generated the same way (--policy NAME); .ci/run and
# tests/policy/test_policy_files.py check them.
_SHIPPED_FILES = frozenset(SHIPPED.values())
_HERE = os.path.dirname(os.path.abspath(__file__))
EMBEDDED_FILE = os.path.join(_HERE, EMBEDDED_COMPILED)
PATH_KEYS = ("config_file", "state_file", "schemas_dir")  # top-level keys holding a path; and sources[].path


def is_relative(path: object) -> bool:
    """A path that is neither absolute, nor under ``~``, nor a template (``${VAR}``, ``{config_dir}``:
    expanded at decide time): such paths follow the policy file."""
    return (isinstance(path, str) and bool(path) and not path.startswith("~") and not os.path.isabs(path)
            and "$" not in path and "{" not in path)


def compiled_twin(path: str) -> str | None:
    """The JSON twin generated beside a shipped policy's TOML file (``skyplane-0.3.toml`` ->
    ``skyplane-0.3.json``; the embedded policy's is EMBEDDED_COMPILED), which a memo hit reads to
    find the memo without importing tomllib; None for any other file."""
    folder, name = os.path.split(path)
    return os.path.join(folder, name[:-len(".toml")] + ".json") if folder == _HERE and name in _SHIPPED_FILES else None


def policy_file(given: object) -> str | None:
    """The file a policy given as ``decide()`` takes it is read from: the embedded policy's JSON twin
    (None), a shipped policy's file (its name), a file's absolute path (a ``str`` or a path); None
    for a loaded ``Policy`` or a resource that is not a file (the decision memo is keyed by it,
    policy/_cache.py)."""
    if given is None:
        return EMBEDDED_FILE
    if not isinstance(given, str | os.PathLike):
        # _load is loaded wherever the embedded Policy object exists (and has made it: not half made)
        embedded = getattr(sys.modules.get("usage_consent.policy._load"), "embedded_policy", None)
        if embedded is not None and given is embedded():
            return EMBEDDED_FILE  # the embedded policy itself
        return None
    name = os.fsdecode(os.fspath(given))
    return os.path.join(_HERE, SHIPPED[name]) if name in SHIPPED else os.path.abspath(name)


def _is_resource(source: object) -> bool:
    """An importlib.resources Traversable that is not a file system path (a zip member, a namespace)."""
    return not isinstance(source, str | os.PathLike) and hasattr(source, "read_bytes") and hasattr(source, "joinpath")


def read_source(source: PolicySource, limit: int) -> tuple[bytes, str, str | None]:
    """The policy's bytes, its name for messages and the folder its relative paths are relative to
    (None for a resource that is not a file on disk). OSError when it cannot be read."""
    if _is_resource(source):
        resource: Any = source
        data = resource.read_bytes()
        if len(data) > limit:
            raise OSError(27, f"is larger than {limit} bytes")
        return data, str(source), None
    from usage_consent._files.jsonfile import read_regular

    path = os.fspath(source)  # type: ignore[arg-type]
    return read_regular(path, limit=limit), path, os.path.dirname(os.path.abspath(path))


def resolve_relative(data: dict[str, Any], folder: str | None, origin: str) -> list[tuple[str, str]]:
    """Make every relative path in the raw document ``data`` absolute against ``folder`` (in place);
    the problems when there is no folder to resolve them against."""
    problems: list[tuple[str, str]] = []

    def fix(table: dict[Any, Any], key: Any, where: str) -> None:
        value = table.get(key)
        if not isinstance(value, str) or not is_relative(value):
            return
        if folder is None:
            why = (f"relative path {value!r} cannot be used: {origin} is not a file on disk "
                   "(write an absolute or ~/ path, or load the policy from a file)")
            problems.append((where, why))
        else:
            table[key] = os.path.normpath(os.path.join(folder, value))

    for key in PATH_KEYS:
        fix(data, key, key)
    sources = data.get("sources")
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(source, dict):
            fix(source, "path", f"sources[{index}].path")
            listed = source.get("paths")
            if isinstance(listed, list):  # candidates: each as a path of its own
                holder = dict(enumerate(listed))
                for item in holder:
                    fix(holder, item, f"sources[{index}].paths[{item}]")
                source["paths"] = [holder[item] for item in range(len(listed))]
    return problems


def relative_paths(text: str) -> dict[str, str]:
    """The relative paths a policy document's text holds, by their TOML path (for ``policy check``)."""
    import tomllib

    data = tomllib.loads(text)
    found = {key: data[key] for key in PATH_KEYS if is_relative(data.get(key))}
    sources = data.get("sources")
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(source, dict) and is_relative(source.get("path")):
            found[f"sources[{index}].path"] = source["path"]
    return found


def missing_relative(policy: Policy, written: dict[str, str]) -> list[tuple[str, str]]:
    """A problem for each path written relative that does not exist once resolved."""
    resolved = {"config_file": policy.config_file, "state_file": policy.state_file,
                "schemas_dir": policy.schemas_dir or ""}
    resolved |= {f"sources[{index}].path": getattr(source, "path", None) or ""
                 for index, source in enumerate(policy.sources)}
    return [(where, f"relative path {value!r} does not exist (looked for {resolved[where]})")
            for where, value in written.items() if not os.path.exists(resolved.get(where, ""))]

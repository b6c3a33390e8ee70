"""Loading, checking and writing policy documents (TOML)."""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from usage_consent.errors import PolicyError
from usage_consent.policy._model import (
    MANAGED_FAIL_OPEN,
    MANAGED_FIRST,
    MANAGED_FIXED_PATH,
    MANAGED_INDIRECTION,
    SOURCE_KINDS,
    Commands,
    NoticeText,
    Policy,
    ReporterSettings,
    Spellings,
    duplicate_names,
    source_model,
)
from usage_consent.policy._paths import EMBEDDED_COMPILED, EMBEDDED_NAME, SHIPPED, read_source, resolve_relative

TYPE_CHECKING = False
if TYPE_CHECKING:
    from usage_consent.policy._paths import PolicySource

__all__ = [
    "EMBEDDED_COMPILED",
    "EMBEDDED_NAME",
    "SHIPPED",
    "embedded_policy",
    "load_policy",
    "parse_policy",
    "policy_from",
    "policy_to_toml",
    "trusted_policy",
]



def _toml_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for index, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif index == 2 and loc[0] == "sources" and item in SOURCE_KINDS:
            continue  # the discriminator's tag, not a key the user wrote
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    expected = ", ".join(SOURCE_KINDS)
    items = error.errors(include_url=False)
    for item in items:
        if item["type"] == "too_short" and item["loc"] == ("sources",) and any(
                len(other["loc"]) > 1 and other["loc"][0] == "sources" for other in items):
            continue  # the list is short only because its entries failed, which are reported
        where = _toml_path(item["loc"])
        if item["type"] == "union_tag_invalid":
            tag = item.get("ctx", {}).get("tag")
            problems.append((f"{where}.kind", f'unknown kind "{tag}"; expected one of {expected}'))
        elif item["type"] == "union_tag_not_found":
            problems.append((f"{where}.kind", f"missing; expected one of {expected}"))
        elif item["type"] == "missing":
            problems.append((where, "missing; this field is required"))
        elif item["type"] == "extra_forbidden":
            problems.append((where, "unknown key; remove it or check its spelling"))
        elif item["type"] == "value_error":
            message = str(item["msg"]).removeprefix("Value error, ")
            head, sep, tail = message.partition(": ")
            if sep and not where and (head.startswith("sources") or " " not in head):
                problems.append((head, tail))
            elif sep and " " not in head:  # a source's own check, naming its key
                problems.append((f"{where}.{head}", tail))
            else:
                problems.append((where, message))
        else:
            problems.append((where, f"{item['msg']}; got {item['input']!r}"))
    return problems


def _raw_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Duplicate names and a managed source that is not first: found on the raw document too, so
    they are reported beside every other problem (the model's own check runs only on valid sources)."""
    sources = data.get("sources")
    listed = sources if isinstance(sources, list) else []
    managed = [(index, source) for index, source in enumerate(listed)
               if isinstance(source, dict) and source.get("kind") == "managed"]
    problems = [(f"sources[{index}].kind", MANAGED_FIRST) for index, _ in managed if index]
    problems += [(f"sources[{index}].path_variable", MANAGED_FIXED_PATH) for index, source in managed
                 if "path_variable" in source]
    problems += [(f"sources[{index}].on_unrecognised", MANAGED_FAIL_OPEN) for index, source in managed
                 if "on_unrecognised" in source]
    problems += [(f"sources[{index}].indirection", MANAGED_INDIRECTION) for index, source in managed
                 if "indirection" in source]
    names = [source.get("name") if isinstance(source, dict) else None for source in listed]
    problems += [(f"sources[{index}].name", problem) for index, problem in duplicate_names(names)]
    return sorted(problems, key=_source_index)


def _source_index(problem: tuple[str, str]) -> int:
    """Problems are listed in the document's order of sources (the rest first)."""
    match = re.match(r"sources\[(\d+)\]", problem[0])
    return int(match.group(1)) if match else -1


def parse_policy(text: str, origin: str, folder: str | None = None, *, from_resource: bool = False) -> Policy:
    """Parse a policy document; raise PolicyError naming ``origin`` and every bad entry. Relative
    paths in it are made absolute against ``folder`` (the policy file's); read from a resource that
    is not on disk (``from_resource``), a relative path is an error."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(origin, [("", f"not valid TOML: {error}")]) from None
    except RecursionError:
        raise PolicyError(origin, [("", "not usable TOML: nested too deeply")]) from None
    except ValueError as error:  # a number too long to convert
        raise PolicyError(origin, [("", f"not usable TOML: {str(error)[:120]}")]) from None
    unresolved: list[tuple[str, str]] = []
    if folder is not None or from_resource:
        unresolved = resolve_relative(data, folder, origin)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as error:
        problems = unresolved + _raw_problems(data)
        reported = {where for where, _ in problems}
        problems += [p for p in _problems(error) if p not in problems and p[0] not in reported]
        raise PolicyError(origin, sorted(problems, key=_source_index)) from None
    if unresolved:
        raise PolicyError(origin, unresolved)
    return policy


def load_policy(path: PolicySource) -> Policy:
    """Read and check the policy at ``path``: a file (a path or a ``str``, a regular file of at most
    MAX_FILE_BYTES), an ``importlib.resources`` resource (``files("mytool") / "policy.toml"``), or
    the shipped policy of that name (``skyplane``, ``skyplane-0.3``; a file of the same name is
    given as ``./skyplane-0.3``). Paths in it that are neither absolute nor ``~/...`` are relative
    to the policy file's folder."""
    from usage_consent._files.jsonfile import MAX_FILE_BYTES

    if isinstance(path, str) and path in SHIPPED:
        path = Path(__file__).parent / SHIPPED[path]
    try:
        data, origin, folder = read_source(path, MAX_FILE_BYTES)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        shown = str(path)
        if isinstance(error, FileNotFoundError) and "/" not in shown:  # perhaps a misspelt shipped name
            reason += f"; not a shipped policy either (shipped: {', '.join(SHIPPED)})"
        raise PolicyError(shown, [("", f"cannot be read: {reason}")]) from None
    return parse_policy(text, origin, folder, from_resource=folder is None)


def policy_from(value: Policy | PolicySource | None) -> Policy:
    """The policy ``value`` stands for: itself, the embedded one (None), or the one loaded from a
    file or resource, loaded again only when the file changed (``decide(path)`` before each
    transfer pays one ``stat``)."""
    if value is None:
        return embedded_policy()
    if isinstance(value, Policy):
        return value
    from usage_consent._files.jsonfile import stat_key

    if not isinstance(value, str | os.PathLike):
        return load_policy(value)  # a resource inside a zip: read each time
    name = os.fsdecode(os.fspath(value))
    where = str(Path(__file__).parent / SHIPPED[name]) if name in SHIPPED else name
    return _cached(name, stat_key(where))


@lru_cache(maxsize=8)
def _cached(name: str, stamp: object) -> Policy:
    """The policy file ``name`` as loaded when its stat was ``stamp``."""
    return load_policy(name)


@lru_cache(maxsize=1)
def embedded_policy() -> Policy:
    """Skyplane's policy, shipped with the package."""
    text = (Path(__file__).parent / EMBEDDED_COMPILED).read_text("utf-8")
    return trusted_policy(json.loads(text))


def trusted_policy(data: dict[str, Any]) -> Policy:
    """A policy built without validation, for the embedded one only: the test suite checks that
    it equals the validated policy, and validating it on every cold start would cost a host more
    than the rest of ``import usage_consent.policy`` (see benchmarks/cold.py)."""
    spellings: dict[str, Any] = {mode: tuple(words) for mode, words in data.get("spellings", {}).items()}
    sources: list[dict[str, Any]] = [{k: tuple(v) if isinstance(v, list) else v for k, v in source.items()}
                                     for source in data["sources"]]
    return Policy.model_construct(**{
        **data,
        "spellings": Spellings.model_construct(**spellings),
        "sources": tuple(source_model(source["kind"]).model_construct(**source) for source in sources),
        "notice": NoticeText.model_construct(**data["notice"]),
        "commands": Commands.model_construct(**data.get("commands", {})),
        "reporter": ReporterSettings.model_construct(**data.get("reporter", {})),
    })


def policy_to_toml(policy: Policy) -> str:
    """The policy as a TOML document that ``load_policy`` reads back to an equal policy."""
    import tomli_w

    data = policy.model_dump(mode="json", exclude_none=True)
    # A source's keys left at their defaults are left out, so each source stays one short line.
    data["sources"] = [{"kind": source.kind} | source.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
                       for source in policy.sources]
    return tomli_w.dumps(data, multiline_strings=True)

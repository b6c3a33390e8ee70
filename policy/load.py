"""Loading, checking and writing policy documents (TOML)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from usage_consent.policy.model import (
    SOURCE_KINDS,
    SOURCE_MODELS,
    NoticeText,
    Policy,
    ReporterSettings,
    Spellings,
)
from usage_consent.schemas.errors import PolicyError

EMBEDDED_NAME = "skyplane.toml"
# The same policy as JSON, read on the hot path (json is loaded already; tomllib would not be).
# Regenerate: usage-consent policy show --json > policy/skyplane.json (a test keeps them equal).
EMBEDDED_COMPILED = "skyplane.json"


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
    for item in error.errors(include_url=False):
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
            else:
                problems.append((where, message))
        else:
            problems.append((where, f"{item['msg']}; got {item['input']!r}"))
    return problems


def _duplicate_names(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Found on the raw document too, so they are reported beside every other problem."""
    sources = data.get("sources")
    first: dict[str, int] = {}
    problems = []
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        name = source.get("name") if isinstance(source, dict) else None
        if isinstance(name, str) and name in first:
            problems.append((f"sources[{index}].name",
                             f'"{name}" is already the name of sources[{first[name]}]; names must be unique'))
        elif isinstance(name, str):
            first[name] = index
    return problems


def parse_policy(text: str, origin: str) -> Policy:
    """Parse a policy document; raise PolicyError naming ``origin`` and every bad entry."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(origin, [("", f"not valid TOML: {error}")]) from None
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        problems = _duplicate_names(data)
        problems += [p for p in _problems(error) if p not in problems]
        raise PolicyError(origin, problems) from None


def load_policy(path: str | Path) -> Policy:
    """Read and check the policy file at ``path`` (a regular file of at most MAX_FILE_BYTES)."""
    from usage_consent.policy.jsonfile import read_regular

    try:
        text = read_regular(str(path)).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise PolicyError(str(path), [("", f"cannot be read: {reason}")]) from None
    return parse_policy(text, str(path))


@lru_cache(maxsize=1)
def embedded_policy() -> Policy:
    """Skyplane's policy, shipped with the package."""
    text = (Path(__file__).parent / EMBEDDED_COMPILED).read_text("utf-8")
    return trusted_policy(json.loads(text))


def trusted_policy(data: dict[str, Any]) -> Policy:
    """A policy built without validation, for the embedded one only: the test suite checks that
    it equals the validated policy, and validating it on every cold start would cost a host more
    than the rest of ``import usage_consent.policy`` (see benchmarks/cold.py)."""
    spellings = {mode: tuple(words) for mode, words in data.get("spellings", {}).items()}
    return Policy.model_construct(**{
        **data,
        "spellings": Spellings.model_construct(**spellings),
        "sources": tuple(SOURCE_MODELS[source["kind"]].model_construct(**source) for source in data["sources"]),
        "notice": NoticeText.model_construct(**data["notice"]),
        "reporter": ReporterSettings.model_construct(**data.get("reporter", {})),
    })


def policy_to_toml(policy: Policy) -> str:
    """The policy as a TOML document that ``load_policy`` reads back to an equal policy."""
    import tomli_w

    data = policy.model_dump(mode="json", exclude_none=True)
    return tomli_w.dumps(data, multiline_strings=True)

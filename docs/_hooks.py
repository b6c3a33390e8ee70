"""MkDocs hooks: the reference pages that are generated at build time, so they cannot drift.

- ``<!-- generated: policy-schema -->`` becomes tables of every key of a policy file, read from
  ``schemas/policy.schema.json`` (the file ``usage-consent policy json-schema`` prints);
- ``<!-- generated: commands -->`` becomes the ``--help`` of ``usage-consent`` and of every
  command and action, from the command's own argparse parser;
- ``::: usage_consent.NAME`` (a public name of the package root, loaded lazily there) is pointed
  at the module that defines it, under the heading ``usage_consent.NAME``, for mkdocstrings.

Nothing here reaches the network.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import re
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POLICY_SCHEMA = ROOT / "schemas" / "policy.schema.json"
_MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.MULTILINE)
_API_LINE = re.compile(r"^::: (usage_consent\.([A-Za-z_][A-Za-z0-9_]*))[ \t]*$", re.MULTILINE)


# --- the policy format, from its JSON Schema ------------------------------------------------------

def _ref(spec: dict[str, Any]) -> str:
    name = spec["$ref"].rsplit("/", 1)[-1]
    return f"table: [{name}](#{name.lower()})"


def _any_of(spec: dict[str, Any]) -> str:
    kinds = [_type(option) for option in spec["anyOf"] if option.get("type") != "null"]
    optional = any(option.get("type") == "null" for option in spec["anyOf"])
    return " or ".join(kinds) + (" (or absent)" if optional else "")


def _array(spec: dict[str, Any]) -> str:
    items = spec.get("items", {})
    if "discriminator" in items:
        names = sorted(items["discriminator"]["mapping"].items())
        return "array of tables: " + ", ".join(f"[{key}](#{ref.rsplit('/', 1)[-1].lower()})" for key, ref in names)
    return f"array of {_type(items)}"


_BOUNDS = (("minLength", "at least {} characters"), ("maxLength", "at most {} characters"), ("minimum", ">= {}"),
           ("exclusiveMinimum", "> {}"), ("maximum", "<= {}"), ("exclusiveMaximum", "< {}"),
           ("pattern", "matching `{}`"), ("minItems", "at least {} items"))


def _scalar(spec: dict[str, Any]) -> str:
    bounds = [label.format(spec[key]) for key, label in _BOUNDS if key in spec]
    return spec.get("type", "any") + (f" ({', '.join(bounds)})" if bounds else "")


def _type(spec: dict[str, Any]) -> str:
    """One property's accepted values, written the way the policy's TOML spells them."""
    if "$ref" in spec:
        return _ref(spec)
    if "const" in spec:
        return f"`{json.dumps(spec['const'])}`"
    if "enum" in spec:
        return " \\| ".join(f"`{json.dumps(value)}`" for value in spec["enum"])
    if "anyOf" in spec:
        return _any_of(spec)
    return _array(spec) if spec.get("type") == "array" else _scalar(spec)


def _default(spec: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in spec:
        return "-"
    value = spec["default"]
    if isinstance(value, dict):
        return "see its table"
    return f"`{json.dumps(value)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(definition: dict[str, Any]) -> list[str]:
    required = set(definition.get("required", []))
    rows = ["| key | accepted values | default | description |", "|---|---|---|---|"]
    for key, spec in definition.get("properties", {}).items():
        description = spec.get("description", "")
        rows.append(f"| `{key}` | {_cell(_type(spec))} | {_cell(_default(spec, key in required))} "
                    f"| {_cell(description)} |")
    return rows


def policy_schema_markdown(schema: dict[str, Any]) -> str:
    """Every table of a policy file: the top level, then each table and source kind by name."""
    lines = [f"Generated from `schemas/policy.schema.json` ({schema.get('$id', '')}) when this site was built.",
             "Unknown keys are errors in every table (`additionalProperties: false`).", "",
             "### Policy (the top level)", "", _cell(schema.get("description", "")), "", *_table(schema)]
    for name, definition in sorted(schema.get("$defs", {}).items()):
        lines += ["", f"### {name}", "", _cell(definition.get("description", "")), "", *_table(definition)]
    return "\n".join(lines) + "\n"


# --- every command, from its parser ---------------------------------------------------------------

def _help(parser: argparse.ArgumentParser) -> str:
    """The parser's ``--help``, wrapped at 100 columns whatever terminal the build runs in."""
    out, columns = io.StringIO(), os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        with redirect_stdout(out):
            parser.print_help()
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    return out.getvalue()


def _subparsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for name, sub in action.choices.items():
                if id(sub) not in seen:  # an alias names the same parser
                    seen.add(id(sub))
                    found.append((name, sub))
    return found


def commands_markdown() -> str:
    """``usage-consent --help``, then each command's and each action's, headed by its full name."""
    from usage_consent.cli._main import build_parser

    parser = build_parser()
    sections = [("usage-consent", parser)]
    for name, sub in _subparsers(parser):
        sections.append((f"usage-consent {name}", sub))
        sections += [(f"usage-consent {name} {action}", leaf) for action, leaf in _subparsers(sub)]
    lines = ["Generated from the command's own parser (`usage_consent.cli._main.build_parser`) when this",
             "site was built: each block is that command's `--help`.", ""]
    for title, sub in sections:
        lines += [f"### `{title}`", "", "```text", _help(sub).rstrip(), "```", ""]
    return "\n".join(lines)


# --- the public API, where each name is defined ----------------------------------------------------

def _api_directive(match: re.Match[str]) -> str:
    public, name = match.group(1), match.group(2)
    package = importlib.import_module("usage_consent")
    value = getattr(package, name, None)
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if value is None or module is None or qualname is None or isinstance(value, type(package)):
        return match.group(0)
    if module.rsplit(".", 1)[-1] == qualname:
        return _shadowed(public, name, value)
    return f'::: {module}.{qualname}\n    options:\n      heading: "{public}"\n      toc_label: "{name}"'


def _shadowed(public: str, name: str, value: Any) -> str:
    """A function whose module has its name (``policy/_decide.py: decide``): griffe sees the module
    there and cannot reach the function, so its entry is written from ``inspect`` instead."""
    import inspect

    doc = re.sub(r"``([^`]+)``", r"`\1`", inspect.getdoc(value) or "")
    return (f"### `{public}` {{ #{public} data-toc-label='{name}' }}\n\n"
            f"```python\n{name}{inspect.signature(value)}\n```\n\n{doc}\n")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    def generate(match: re.Match[str]) -> str:
        what = match.group(1)
        if what == "policy-schema":
            return policy_schema_markdown(json.loads(POLICY_SCHEMA.read_text()))
        if what == "commands":
            return commands_markdown()
        raise ValueError(f"{page.file.src_path}: unknown generated block {what!r}; "
                         "expected policy-schema or commands")

    markdown = _MARKER.sub(generate, markdown)
    return _API_LINE.sub(_api_directive, markdown)


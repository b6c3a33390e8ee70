"""The API reference page, written from the application's OpenAPI description:
``python -m usage_consent.collector._apidoc > docs/reference/collector-api.md`` (a test checks
that the page in the repository is the one this writes)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["markdown"]

HEAD = """# Collector API reference

Generated from the collector's OpenAPI description (`GET /openapi.json` on a running collector;
`/docs` shows it interactively) by `python -m usage_consent.collector._apidoc`. Do not edit by hand.

Every refusal is JSON: `{"error": REASON, "detail": TEXT, "problems": [...]}` (`problems` for
422 only: each `"<json path>: <what is wrong>"`). `REASON` is the label counted in `/metrics`.
"""


def _schema_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else schema.get("type", "")


def markdown(spec: dict[str, Any]) -> str:
    lines = [HEAD]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            lines += [f"## `{method.upper()} {path}`", "", operation.get("description", operation.get("summary", "")),
                      ""]
            parameters = operation.get("parameters", [])
            if parameters:
                lines += ["| parameter | in | type | required | default |", "|---|---|---|---|---|"]
                for parameter in parameters:
                    schema = parameter.get("schema", {})
                    lines.append(f"| `{parameter['name']}` | {parameter['in']} | {schema.get('type', '')} "
                                 f"| {'yes' if parameter.get('required') else 'no'} | {schema.get('default', '')} |")
                lines.append("")
            lines += ["| status | meaning | body |", "|---|---|---|"]
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                media = next(iter(content), "")
                body = _schema_name(content[media].get("schema", {})) if media else ""
                lines.append(f"| {status} | {response.get('description', '')} | {media} {body}".rstrip() + " |")
            lines.append("")
    lines += ["## Shapes", ""]
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        if name in ("HTTPValidationError", "ValidationError"):
            continue
        lines += [f"### {name}", "", schema.get("description", "").strip(), "", "```json",
                  json.dumps(schema.get("properties", {}), indent=2, sort_keys=True), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    from usage_consent.collector import CollectorSettings, create_app

    print(markdown(create_app(CollectorSettings()).openapi()), end="")

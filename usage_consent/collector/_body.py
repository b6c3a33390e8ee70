"""One request body, read and parsed defensively: the content type is checked before a byte is
read, the size cap is enforced while the body streams in (a 1 GB body costs at most the cap),
and only plain JSON is accepted (no NaN or Infinity, no key given twice, no nesting so deep
that parsing it would exhaust the stack)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from usage_consent.errors import RequestRefused as Refusal

__all__ = ["check_content_type", "parse_json", "read_capped"]


def check_content_type(value: str | None) -> None:
    media = (value or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise Refusal(415, "content_type", f"Content-Type must be application/json; got {value or 'none'!r}")


async def read_capped(declared: str | None, chunks: AsyncIterator[bytes], cap: int) -> bytes:
    """The body, or Refusal(413) as soon as it (declared or received) exceeds ``cap`` bytes."""
    too_big = Refusal(413, "too_large", f"the body exceeds {cap} bytes")
    if declared is not None:
        if not declared.isdigit():
            raise Refusal(400, "bad_request", f"Content-Length must be a number of bytes; got {declared[:40]!r}")
        if int(declared) > cap:
            raise too_big
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise too_big
        parts.append(chunk)
    return b"".join(parts)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for key, value in pairs:
        if key in made:
            raise ValueError(f"key {key[:64]!r} is given twice")
        made[key] = value
    return made


def parse_json(body: bytes) -> Any:
    """The JSON value of ``body``, or Refusal(400) saying why it is not JSON."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant, object_pairs_hook=_no_repeats)
    except UnicodeDecodeError as error:
        raise Refusal(400, "not_json", f"the body is not UTF-8 text (byte {error.start})") from None
    except RecursionError:
        raise Refusal(400, "not_json", "the body is nested too deeply") from None
    except ValueError as error:
        raise Refusal(400, "not_json", f"the body is not JSON: {str(error)[:200]}") from None

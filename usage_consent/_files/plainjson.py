"""JSON text read without importing :mod:`json`: what a cold ``decide()`` answered from the memo
reads (the memo itself and the embedded policy's JSON twin, to find the memo).

``import json`` imports :mod:`re` (and with it enum, functools, collections): about as much CPU as
the interpreter's own start, twice what the rest of a memo hit costs. The scanner that
:func:`json.loads` itself runs is CPython's C accelerator, ``_json.make_scanner``, which needs no
regular expression; it is used here with json's own defaults (``parse_constant`` maps NaN and
the infinities as json does), so :func:`loads` returns exactly what :func:`json.loads` returns for
every text both accept. Where ``_json`` is missing (another interpreter), :func:`json.loads` is
used. Any text that is not one JSON value raises ValueError (the scanner's own error, on a bad
text, may import json.decoder: only then)."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: a memo hit must not pay for it
if TYPE_CHECKING:
    from typing import Any

__all__ = ["loads"]

_WHITESPACE = " \t\n\r"  # json's own (RFC 8259): nothing else is skipped around the value
_CONSTANTS = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}


class _Defaults:
    """The attributes ``_json.make_scanner`` reads from a decoder: json.JSONDecoder's defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = _CONSTANTS.__getitem__


def _scanner() -> Any:
    try:
        import _json

        return _json.make_scanner(_Defaults())  # type: ignore[arg-type]  # typeshed: only its own class
    except (ImportError, AttributeError):
        return None


_SCAN = _scanner()


def loads(text: str) -> Any:
    """The one JSON value ``text`` holds (whitespace around it allowed), as :func:`json.loads`
    gives it; ValueError for anything else."""
    if _SCAN is None:
        import json

        return json.loads(text)
    start, end = 0, len(text)
    while start < end and text[start] in _WHITESPACE:
        start += 1
    try:
        value, stop = _SCAN(text, start)
    except StopIteration as error:  # no value where one starts
        raise ValueError(f"expecting a JSON value at character {error.value}") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    while stop < end and text[stop] in _WHITESPACE:
        stop += 1
    if stop != end:
        raise ValueError(f"extra data at character {stop}")
    return value

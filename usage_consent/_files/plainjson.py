"""JSON text read and written without importing :mod:`json`: what a cold ``decide()`` answered from
the memo reads (the memo itself and the embedded policy's JSON twin, to find the memo), and what a
report process reads and writes (the state file, the report's body, its status).

``import json`` imports :mod:`re` (and with it enum, functools, collections): about as much CPU as
the interpreter's own start, twice what the rest of a memo hit costs. The scanner that
:func:`json.loads` itself runs is CPython's C accelerator, ``_json.make_scanner``, which needs no
regular expression; it is used here with json's own defaults (``parse_constant`` maps NaN and
the infinities as json does), so :func:`loads` returns exactly what :func:`json.loads` returns for
every text both accept. Where ``_json`` is missing (another interpreter), :func:`json.loads` is
used. Any text that is not one JSON value raises ValueError (the scanner's own error, on a bad
text, may import json.decoder: only then): a ``JSONTextError`` where there is no value or more than
one (json.JSONDecodeError's ``msg``, ``lineno`` and ``colno`` beside this module's own message), a
``json.JSONDecodeError`` inside a value.

Writing, :func:`dumps` is ``json.dumps(value, sort_keys=True, separators=(",", ":"),
allow_nan=False)`` through the C encoder json itself runs (``_json.make_encoder``), and
:func:`dumps_indented` is ``json.dumps(value, indent=2, allow_nan=False)`` for the objects the
library writes; each hands anything else to :mod:`json`."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: a memo hit must not pay for it
if TYPE_CHECKING:
    from typing import Any

__all__ = ["JSONTextError", "dumps", "dumps_indented", "loads"]

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


def _scanner(decoder: object = _Defaults) -> Any:
    try:
        import _json

        return _json.make_scanner(decoder)  # type: ignore[arg-type]  # typeshed: only its own class
    except (ImportError, AttributeError):
        return None


class _Hooks:
    """json.loads' hooks, as the attributes the scanner reads."""

    strict = True
    object_hook = None

    def __init__(self, object_pairs_hook: Any, parse_int: Any, parse_float: Any, parse_constant: Any) -> None:
        self.object_pairs_hook = object_pairs_hook
        self.parse_int = parse_int or int
        self.parse_float = parse_float or float
        self.parse_constant = parse_constant or _CONSTANTS.__getitem__


class JSONTextError(ValueError):
    """Where a text stops being one JSON value, with json.JSONDecodeError's ``msg``, ``lineno`` and
    ``colno`` (None: nested too deeply to read)."""

    def __init__(self, message: str, msg: str | None, text: str, position: int) -> None:
        super().__init__(message)
        self.msg = msg
        self.lineno = text.count("\n", 0, position) + 1
        self.colno = position - text.rfind("\n", 0, position)


_SCAN = _scanner()


def loads(text: str, *, object_pairs_hook: Any = None, parse_int: Any = None, parse_float: Any = None,
          parse_constant: Any = None) -> Any:
    """The one JSON value ``text`` holds (whitespace around it allowed), as :func:`json.loads` (with
    these hooks) gives it; ValueError for anything else."""
    hooks = (object_pairs_hook, parse_int, parse_float, parse_constant)
    scan = _SCAN if hooks == (None, None, None, None) else _scanner(_Hooks(*hooks))
    if scan is None:
        import json

        return json.loads(text, object_pairs_hook=object_pairs_hook, parse_int=parse_int, parse_float=parse_float,
                          parse_constant=parse_constant)
    start, end = 0, len(text)
    while start < end and text[start] in _WHITESPACE:
        start += 1
    try:
        value, stop = scan(text, start)
    except StopIteration as error:  # no value where one starts
        raise JSONTextError(f"expecting a JSON value at character {error.value}", "Expecting value", text,
                            error.value) from None
    except RecursionError:
        raise JSONTextError("JSON nested too deeply", None, text, 0) from None
    while stop < end and text[stop] in _WHITESPACE:
        stop += 1
    if stop != end:
        raise JSONTextError(f"extra data at character {stop}", "Extra data", text, stop)
    return value


def _default(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")  # json's own words


def dumps(value: Any) -> str:
    """``json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)``: a report's body."""
    try:
        import _json

        encode = _json.make_encoder({}, _default, _json.encode_basestring_ascii, None, ":", ",", True, False, False)
    except (ImportError, AttributeError):
        import json

        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return "".join(encode(value, 0))


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, indent=2, allow_nan=False)`` for JSON data (objects with string keys, lists,
    strings, numbers, booleans, null): a record's status."""
    quote: Any = None
    try:
        import _json

        quote = _json.encode_basestring_ascii
    except (ImportError, AttributeError):
        pass
    if quote is None or not _plain_data(value):
        import json

        return json.dumps(value, indent=2, allow_nan=False)
    out: list[str] = []
    _indented(value, "\n", out, quote)
    return "".join(out)


def _plain_data(value: Any, depth: int = 0) -> bool:
    kind = type(value)
    if kind is dict:
        return depth < 100 and all(type(k) is str and _plain_data(v, depth + 1) for k, v in value.items())
    if kind is list:
        return depth < 100 and all(_plain_data(v, depth + 1) for v in value)
    if kind is float:
        return value - value == 0  # finite: an infinity or NaN gives NaN
    return kind in (str, int, bool, type(None))


def _indented(value: Any, newline: str, out: list[str], quote: Any) -> None:
    """json's indent=2 layout: each item on its own line, ``": "`` after a key, ``[]``/``{}`` when empty."""
    inner = newline + "  "
    if type(value) is dict and value:
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            out.append(("," if index else "") + inner + quote(key) + ": ")
            _indented(item, inner, out, quote)
        out.append(newline + "}")
    elif type(value) is list and value:
        out.append("[")
        for index, item in enumerate(value):
            out.append(("," if index else "") + inner)
            _indented(item, inner, out, quote)
        out.append(newline + "]")
    else:
        out.append(_scalar(value, quote))


def _scalar(value: Any, quote: Any) -> str:
    if value is None or value is True or value is False:
        return {None: "null", True: "true", False: "false"}[value]
    if type(value) is str:
        return quote(value)
    if type(value) in (dict, list):
        return "{}" if type(value) is dict else "[]"
    return repr(value)  # an int or a finite float, as json writes them

"""Value matching, one place for every source that reads a value: a variable's text against its
spellings or its value map (``values``), a file key's typed value against the map or its
format's own values, compared as ``match`` says, and what an unrecognised value does
(``on_unrecognised``), and a file value that names a variable to read instead (``indirection``).
Each result carries the one-line notes ``explain`` shows (the entry that matched and why, the
ignored value, the variable read)."""

from __future__ import annotations

import json
import os
import re
import string
from typing import TYPE_CHECKING

from usage_consent._frozen import Frozen
from usage_consent.policy._plain import BLANKS, VARIABLE
from usage_consent.policy._sources.base import clip

if TYPE_CHECKING:
    from usage_consent.policy._model import Indirection, Match, Mode, OnUnrecognised, Spellings, ValueEntry, ValueType

__all__ = ["UNRECOGNISED", "Mapped", "accepted_entries", "described", "equal", "indirect", "map_value", "shown",
           "spelled", "trimmed", "type_of", "unrecognised"]

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_TYPES: tuple[tuple[type, ValueType], ...] = ((bool, "boolean"), (int, "integer"), (float, "float"), (str, "string"),
                                             (type(None), "null"), (dict, "table"), (list, "array"))


class Mapped(Frozen):
    """What a value stands for: its mode (None: unset), whether any spelling or entry recognised
    it, whether it was ignored (the explicit fail-open), and the notes for the trace."""

    __slots__ = ("ignored", "mode", "notes", "recognised")
    mode: Mode | None
    recognised: bool
    ignored: bool
    notes: tuple[str, ...]

    def __init__(self, mode: Mode | None = None, recognised: bool = True, ignored: bool = False,
                 notes: tuple[str, ...] = ()) -> None:
        self._set(mode=mode, recognised=recognised, ignored=ignored, notes=notes)


# What a spelling stands for, by mode in the order they are tried, and a value none spells: the
# same values every time (a miss reads the changed variable again; these need not be built again).
_SPELLED: tuple[tuple[Mode, Mapped], ...] = tuple((mode, Mapped(mode)) for mode in ("on", "off", "local"))
UNRECOGNISED = Mapped(recognised=False)


def trimmed(text: str, match: Match) -> str:
    """``text`` with what ``match.trim`` removes around it removed."""
    if match.trim == "none":
        return text
    return text.strip(BLANKS) if match.trim == "blanks" else text.strip()


def _folded(text: str, match: Match) -> str:
    """``text`` as compared: ASCII letters lowercased when the case does not count (no other
    character is folded: a look-alike never matches an ASCII spelling)."""
    return _ascii_lower(text) if match.case == "insensitive" else text


def _ascii_lower(text: str) -> str:
    """``text`` with its ASCII letters lowercased, no other character: ``str.lower`` where the text
    is ASCII (the usual case, in C: a miss compares a value with up to a dozen spellings), else
    through the table."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def type_of(value: object) -> ValueType | None:
    """The value's type as a value map names it (None: a type no matcher names, e.g. a TOML date)."""
    return next((name for kind, name in _TYPES if type(value) is kind), None)


def equal(expected: object, value: object, match: Match) -> bool:
    """Typed equality: a string as ``match`` says, any other value of exactly the same type."""
    if isinstance(expected, str):
        return isinstance(value, str) and _folded(trimmed(value, match), match) == _folded(expected, match)
    return type(value) is type(expected) and value == expected


def _matches(entry: ValueEntry, value: object, match: Match) -> bool:
    if entry.equals is not None:
        return equal(entry.equals, value, match)
    if entry.type is not None:
        return type_of(value) == entry.type
    if entry.non_empty is not None:
        return isinstance(value, str) and trimmed(value, match) != ""
    if entry.contains is not None:
        return isinstance(value, str) and _folded(entry.contains, match) in _folded(trimmed(value, match), match)
    member = entry.member
    return member is not None and isinstance(value, dict) and member.key in value and (
        type_of(value[member.key]) == member.type)


def map_value(value: object, entries: tuple[ValueEntry, ...], match: Match) -> Mapped:
    """The first entry that matches ``value`` decides; none: unrecognised."""
    for index, entry in enumerate(entries):
        if _matches(entry, value, match):
            mode = None if entry.mode == "unset" else entry.mode
            why = f", {entry.why}" if entry.why else ""
            return Mapped(mode, notes=(f"values[{index}] matched ({entry.matcher()}): {entry.mode}{why}",))
    return UNRECOGNISED


def spelled(word: str, spellings: Spellings, match: Match) -> Mapped:
    """The mode one of the spellings names (compared as ``match`` says) for ``word``, a value
    already trimmed as ``match`` says (``trimmed``); none: unrecognised. A spelling as written is
    looked for first (in C: a miss reads a value on every call); the policy model lists no
    spelling under two modes, also compared without case (``Spellings``), so the mode found first
    is the only one. Then, when the case does not count, each spelling folded."""
    word = _folded(word, match)
    for mode, found in _SPELLED:
        if word in getattr(spellings, mode):
            return found
    if match.case == "insensitive":
        for mode, found in _SPELLED:
            for spelling in getattr(spellings, mode):
                if word == _ascii_lower(spelling):
                    return found
    return UNRECOGNISED


def unrecognised(rule: OnUnrecognised, app: str, raw: str) -> Mapped | None:
    """What a value no spelling or entry maps stands for, as ``on_unrecognised`` says; None: it
    is invalid (today's rule: ``on_invalid`` applies and it never lets collection send)."""
    if rule == "invalid":
        return None
    if rule == "ignore":
        return Mapped(ignored=True, notes=(f"ignored: fail-open, as {app} does ({raw} is a value it does not map)",))
    return Mapped(rule, notes=(f"{raw} is a value it does not map: counted as {rule} (on_unrecognised)",))


def described(match: Match) -> str:
    """How values are compared, as an error message adds it to what is accepted."""
    if match.case == "insensitive" and match.trim == "blanks":
        return ""  # today's rule, said by the spelling list as it always was
    if match.case == "sensitive" and match.trim == "none":
        return " (exactly)"
    return f" (case {match.case}, trim {match.trim})"


def accepted_entries(entries: tuple[ValueEntry, ...]) -> str:
    """What a value map accepts, as an error message says it."""
    return "a value matching " + "; ".join(entry.matcher() for entry in entries)


def shown(value: object) -> str:
    """A file value as a message shows it (JSON, bounded)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:79] + "…"


def indirect(value: object, rule: Indirection | None) -> tuple[object, tuple[str, ...]]:
    """``value``, or, when it is a string starting with ``rule.prefix``, the value of the variable
    the rest of it names, converted as ``rule.convert`` says (a variable that is not set leaves it
    as written, as Streamlit's ``_maybe_read_env_variable`` does); the note says what was read."""
    if rule is None or not isinstance(value, str) or not value.startswith(rule.prefix):
        return value, ()
    name = value[len(rule.prefix):]
    named = "$" + name if re.fullmatch(VARIABLE, name) else f"the variable {shown(name)}"
    text = os.environ.get(name)
    if text is None:
        return value, (clip(f"{shown(value)} names {named}, which is not set: the value stays as written"),)
    found = _number(text) if rule.convert == "number" else text
    converted = f", as a number {shown(found)}" if found is not text else (
        ", kept as text (not a number)" if rule.convert == "number" else "")
    return found, (clip(f"{shown(value)}: read {named} = {shown(text)}{converted}"),)  # a non-UTF-8 byte escaped


def _number(text: str) -> object:
    """``text`` as Python's ``int()``, else ``float()``, reads it, else itself (Streamlit's
    ``_maybe_convert_to_number``: blanks around it and ``_`` between digits are allowed)."""
    for convert in (int, float):
        try:
            return convert(text)
        except (ValueError, OverflowError):
            continue
    return text

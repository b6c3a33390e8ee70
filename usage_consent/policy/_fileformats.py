"""The config file formats a host may keep its consent key in, one row each in ``FORMATS``: JSON,
INI and TOML (read and written), and three read only: JSON with comments (``jsonc``), ``key=value``
lines (``key_lines``) and a one-line mode file with an optional date (``mode_line``).

Reading is tolerant (a missing file is no data; anything else bad is a ConfigFileError that
names the file and the problem, never the file's contents). Writing keeps every other key,
section and value. An INI value is written as ``True``/``False``, as Python's configparser
(and Skyplane 0.3.2's own reader) reads it back.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from functools import lru_cache

from usage_consent._files.jsonfile import (
    MAX_FILE_BYTES,
    dump_json_object,
    parse_json_object,
    read_text,
)
from usage_consent._frozen import Frozen
from usage_consent._locations import display
from usage_consent.errors import ConfigAmbiguousError, ConfigContentError, ConfigFileError
from usage_consent.policy._plain import BLANKS

TYPE_CHECKING = False  # not typing's
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from usage_consent.policy._model import FileFormat, IniOptions, KeyLines, Mode

EXTENSIONS: dict[str, FileFormat] = {".ini": "ini", ".cfg": "ini", ".conf": "ini", ".toml": "toml"}
# configparser's booleans (RawConfigParser.BOOLEAN_STATES), written once here so that reading an
# INI file does not import configparser; any case.
INI_WORDS: dict[str, Mode] = {"1": "on", "yes": "on", "true": "on", "on": "on",
                              "0": "off", "no": "off", "false": "off", "off": "off", "local": "local"}
INI_WRITTEN: dict[Mode, str] = {"on": "True", "off": "False", "local": "local"}
TYPED_WRITTEN: dict[Mode, Any] = {"on": True, "off": False, "local": "local"}
UNSET = object()
TOML_MAX_NESTING = 100  # deeper TOML could not be written back (tomli_w recurses): it is unusable

__all__ = ["FORMATS", "MODE_LINE_DATE", "MODE_LINE_VALUE", "UNSET", "Options", "Repeated", "accepted", "conservative",
           "file_format", "lookup", "lookup_path", "options_of", "parse_value", "read_mapping", "section_name",
           "strip_jsonc", "unwritable", "update_text", "written"]


def file_format(path: str, declared: FileFormat | None) -> FileFormat:
    """The declared format, else the one the file's extension names, else JSON."""
    return declared or EXTENSIONS.get(os.path.splitext(path)[1].lower(), "json")


def _ini_parser(ini: IniOptions | None = None) -> Any:
    import configparser

    from usage_consent.policy._model import IniOptions

    ini = ini or IniOptions.model_construct()
    parser = configparser.ConfigParser(interpolation=None, strict=ini.repeated == "ambiguous",
                                       inline_comment_prefixes=ini.inline_comments or None)
    # keys are written back as they were; read as the tool's own reader (the last in any case wins)
    parser.optionxform = str if ini.repeated == "ambiguous" else str.lower  # type: ignore[assignment,method-assign]
    return parser


class Options(Frozen):
    """A file source's format options (policy/_model.py: ``key_lines``, ``ini``)."""

    __slots__ = ("ini", "key_lines")
    key_lines: KeyLines | None
    ini: IniOptions | None

    def __init__(self, key_lines: KeyLines | None = None, ini: IniOptions | None = None) -> None:
        self._set(key_lines=key_lines, ini=ini)


NO_OPTIONS = Options()


def options_of(spec: object) -> Options:
    """The format options a source (or a marker, an overlay) gives."""
    return Options(getattr(spec, "key_lines", None), getattr(spec, "ini", None))


class Repeated(tuple[str, ...]):
    """A key_lines key given on several lines, read with ``repeated = "conservative"``: every value,
    in order (``conservative`` picks the one that counts)."""


def read_mapping(path: str, fmt: FileFormat, *, layer: str, unique: tuple[str, ...] = (),
                 options: Options | None = None) -> dict[str, Any] | None:
    """The file's contents as a mapping (INI: ``{section: {key: value}}``, keys lowercased;
    mode_line: ``{"value": word, "date": "YYYY-MM-DD"}``; key_lines: ``{key: value}``);
    None when it does not exist, {} when it is empty. A ConfigAmbiguousError (which one counts
    would be a guess) for JSON: a key on the path ``unique`` more than once; INI (by default): any
    section, or any key of a section (in any case, as configparser compares them), more than once."""
    text = read_text(path, layer=layer, what=FORMATS[fmt].name)
    if text is None:
        return None
    return FORMATS[fmt].parse(text, path, layer, unique, options or NO_OPTIONS)


def _parse_json(text: str, path: str, layer: str, unique: tuple[str, ...], options: Options) -> dict[str, Any]:
    return parse_json_object(text, path, layer=layer, unique=unique)


def _parse_toml(text: str, path: str, layer: str, unique: tuple[str, ...], options: Options) -> dict[str, Any]:
    return _toml(text, path, layer)


def _parse_jsonc(text: str, path: str, layer: str, unique: tuple[str, ...], options: Options) -> dict[str, Any]:
    return parse_json_object(strip_jsonc(text), path, layer=layer, unique=unique)


@lru_cache(maxsize=1)
def _blank_swaps() -> tuple[dict[int, str], dict[int, str]]:
    """configparser strips every Unicode whitespace around a value; the one blank rule
    (model.strip_blanks) strips only spaces and tabs. Other whitespace is swapped for private-use
    characters while configparser reads, so that it stays in the value (which is then invalid),
    and swapped back after: the two tables (made when an INI file is first read)."""
    others = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c not in " \t\r\n")
    return (str.maketrans({c: chr(0xF0000 + ord(c)) for c in others}),
            str.maketrans({chr(0xF0000 + ord(c)): c for c in others}))


def _parse_ini(text: str, path: str, layer: str, unique: tuple[str, ...], options: Options) -> dict[str, Any]:
    import configparser

    from usage_consent.policy._model import IniOptions

    ini = options.ini or IniOptions.model_construct()
    parser = _ini_parser(ini)
    keep_blanks, blanks_back = _blank_swaps()
    try:
        parser.read_string(text.translate(keep_blanks), display(path))
    except (configparser.DuplicateSectionError, configparser.DuplicateOptionError) as error:
        first = str(error).splitlines()[0]
        raise ConfigAmbiguousError(f"{display(path)}: {first}; which one counts is unclear",
                                   layer=layer, path=path) from None
    except configparser.Error as error:
        first = str(error).splitlines()[0]
        raise ConfigFileError(f"{display(path)}: not a valid INI file: {first}", layer=layer, path=path) from None
    mapping: dict[str, Any] = {}
    for section in parser.sections():
        table = mapping.setdefault(section_name(section, ini), {})
        for name, value in parser[section].items():
            if name.lower() in table and ini.repeated == "ambiguous":  # configparser's own reader refuses it
                raise ConfigAmbiguousError(f"{display(path)}: [{section}] key {name.lower()!r} appears more than "
                                           "once (in any case); which one counts is unclear",
                                           layer=layer, path=path, key=name.lower())
            table[name.lower()] = value.translate(blanks_back)
    return mapping


def section_name(section: str, ini: IniOptions | None) -> str:
    """A section's name as the mapping keys it (lowercased when sections are read in any case)."""
    return section.lower() if ini is not None and ini.section_case == "insensitive" else section


# Patterns compiled when first used (re keeps them): the formats that need them are read by few policies.
_LINE_END = r"\r\n|\r|\n"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
MODE_LINE_VALUE, MODE_LINE_DATE = "value", "date"


def _parse_mode_line(text: str, path: str, layer: str, unique: tuple[str, ...], options: Options) -> dict[str, Any]:
    """Go's mode file: the text trimmed of Unicode white space, split at the first ASCII space; the
    rest is the value's date when it is one (YYYY-MM-DD), else there is no date."""
    import datetime

    value, _, rest = text.strip().partition(" ")
    if not value:
        return {}
    found: dict[str, Any] = {MODE_LINE_VALUE: value}
    if re.fullmatch(_DATE, rest):
        with contextlib.suppress(ValueError):  # no such day: no date
            found[MODE_LINE_DATE] = datetime.date.fromisoformat(rest).isoformat()
    return found


def _parse_key_lines(text: str, path: str, layer: str, unique: tuple[str, ...], options: Options) -> dict[str, Any]:
    """``key=value`` lines (no sections): each line split at its first ``=``; a line without one,
    with an empty key, or starting with the comment prefix is skipped."""
    from usage_consent.policy._model import KeyLines

    rules = options.key_lines or KeyLines.model_construct()
    found: dict[str, list[str]] = {}
    for written_line in re.split(_LINE_END, text):
        line = written_line.strip(BLANKS) if rules.strip == "line" else written_line
        if rules.comment and line.startswith(rules.comment):
            continue
        key, sep, value = line.partition("=")
        if sep and key:
            found.setdefault(key, []).append(value.rstrip(BLANKS) if rules.trailing_blanks else value)
    if rules.repeated == "conservative":
        return {key: values[0] if len(values) == 1 else Repeated(values) for key, values in found.items()}
    return {key: values[-1] for key, values in found.items()}


def strip_jsonc(text: str) -> str:
    """JSON with comments (``//``, ``/* */``) and trailing commas made JSON (as Angular's
    jsonc-parser reads it); text inside strings is kept as it is. An unclosed comment runs to the end."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            end = _string_end(text, i)
            out.append(text[i:end])
            i = end
        elif text.startswith(("//", "/*"), i):
            i = _comment_end(text, i)
            out.append(" ")
        elif char == "," and _next_significant(text, i + 1) in ("}", "]"):
            i += 1  # a trailing comma
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _comment_end(text: str, i: int) -> int:
    """The index after the comment starting at ``i`` (a line comment ends before its line end)."""
    if text.startswith("//", i):
        found = re.compile(_LINE_END).search(text, i)
        return found.start() if found else len(text)
    end = text.find("*/", i + 2)
    return len(text) if end < 0 else end + 2


def _next_significant(text: str, i: int) -> str:
    """The first character at or after ``i`` that is not white space or in a comment ("" at the end)."""
    while i < len(text):
        if text[i] in JSON_SPACE:
            i += 1
        elif text.startswith(("//", "/*"), i):
            i = _comment_end(text, i)
        else:
            return text[i]
    return ""


JSON_SPACE = " \t\r\n"


def _string_end(text: str, start: int) -> int:
    """The index after the JSON string starting at ``start`` (or the end of the text)."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i + 1
        else:
            i += 1
    return len(text)


def conservative(value: object, parse: Callable[[object], Mode | None]) -> object:
    """The value that counts: for a key given on several lines (``Repeated``), the most
    conservative one ``parse`` recognises (off, then local, then on), else the last; any other
    value is itself."""
    if not isinstance(value, Repeated):
        return value
    ranked = [(CONSERVATIVE.index(mode), item) for item in value if (mode := parse(item)) is not None]
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else value[-1]


CONSERVATIVE: tuple[Mode, ...] = ("off", "local", "on")


def lookup(data: dict[str, Any], section: str | None, key: str, fmt: FileFormat) -> object:
    """The value under ``[section] key`` (or ``key``), or UNSET; ConfigFileError when the section
    is there but is not a table."""
    table: object = data if section is None else data.get(section, {})
    if not isinstance(table, dict):
        raise ConfigFileError(f"{section!r} is not a table", key=section)
    return table.get(key.lower() if fmt == "ini" else key, UNSET)


def lookup_path(data: dict[str, Any], steps: tuple[str, ...], fmt: FileFormat) -> object:
    """The value at the key path ``steps``, or UNSET when a step is missing or its parent is not a
    table (an INI file's key, its last step, is matched lowercased, as configparser keeps it)."""
    value: object = data
    for index, step in enumerate(steps):
        if not isinstance(value, dict):
            return UNSET
        value = value.get(step.lower() if fmt == "ini" and index == len(steps) - 1 else step, UNSET)
    return value


def parse_value(value: object, fmt: FileFormat, accept_local: bool = True) -> Mode | None:
    """The mode a file value stands for, or None when the format does not accept it."""
    words = FORMATS[fmt].words
    if words is not None:  # a format of text: its words
        mode = words(value) if isinstance(value, str) else None
    elif isinstance(value, bool):
        mode = "on" if value else "off"
    else:
        mode = "local" if value == "local" else None
    return None if mode == "local" and not accept_local else mode


def accepted(fmt: FileFormat, accept_local: bool = True) -> str:
    """What ``parse_value`` accepts, as the error messages say it."""
    words = FORMATS[fmt].accepted
    if fmt == "mode_line":
        return words if accept_local else "on or off (exactly)"
    if FORMATS[fmt].words is not None:
        return words.replace(" or 0", ", 0 or local") if accept_local else words
    return words if accept_local else "true or false"


def shown_consent(mode: Mode | None) -> str:
    """The consent value as ``config get`` prints it: true, false, local or unset."""
    return "unset" if mode is None else str(json.dumps(TYPED_WRITTEN[mode])).strip('"')


def written(mode: Mode, fmt: FileFormat) -> Any:
    """The value written for ``mode`` in a file of this format."""
    return INI_WRITTEN[mode] if fmt == "ini" else TYPED_WRITTEN[mode]


def unwritable(fmt: FileFormat, options: Options | None = None) -> str | None:
    """Why a file of this format (read with these options) is never written, or None: only JSON,
    TOML and INI read as configparser reads it are written back without losing anything."""
    if not FORMATS[fmt].writable:
        return f"usage-consent does not write {fmt} files (it would lose what it does not read)"
    if options is not None and options.ini is not None:
        return "usage-consent does not write an INI file read with a tool's own ini options (it is that tool's file)"
    return None


def update_text(text: str | None, path: str, fmt: FileFormat, section: str | None, key: str,
                value: Any) -> tuple[str, bool]:
    """The file's new text with ``key`` set to ``value`` (UNSET: removed), and whether it
    changed; every other key, section and value is kept. ConfigFileError when ``text`` cannot
    be parsed, or the format is never written (the file is then left as it is)."""
    problem = unwritable(fmt)
    if problem:
        raise ConfigFileError(f"{display(path)}: {problem}; nothing was changed: change it with its tool's own "
                              "command", path=path, value=fmt)
    if fmt == "ini":
        return _update_ini(text or "", path, section or "", key, value)
    if fmt == "toml":
        import tomli_w

        data = read_mapping_text(text, path, fmt)
        changed = _update_table(data, section, key, value, path)
        try:
            return _within_cap(tomli_w.dumps(data), path), changed
        except (RecursionError, ValueError, TypeError) as error:  # a value tomllib reads and tomli_w cannot write
            why = "nested too deeply" if isinstance(error, RecursionError) else str(error)[:120]
            raise ConfigFileError(f"{display(path)}: cannot be written back as TOML: {why}; left as it is",
                                  path=path) from None
    # any JSON object: numbers kept as written
    data = parse_json_object(text or "", path, keep_numbers=True)
    changed = _update_table(data, section, key, value, path)
    return dump_json_object(data, path=path, layer="config_file"), changed


def read_mapping_text(text: str | None, path: str, fmt: FileFormat) -> dict[str, Any]:
    """``read_mapping`` for TOML text already read under the lock."""
    if not (text or "").strip():
        return {}
    if fmt == "toml":
        return _toml(text or "", path, None)
    raise ValueError(fmt)


def _update_table(data: dict[str, Any], section: str | None, key: str, value: Any, path: str) -> bool:
    table = data if section is None else data.setdefault(section, {})
    if not isinstance(table, dict):
        raise ConfigFileError(f"{display(path)}: {section!r} is not a table; it was left as it is", path=path)
    if value is UNSET:
        return table.pop(key, UNSET) is not UNSET
    table[key] = value
    return True


def _update_ini(text: str, path: str, section: str, key: str, value: Any) -> tuple[str, bool]:
    import configparser
    import io

    parser = _ini_parser()
    try:
        parser.read_string(text, display(path))
    except configparser.Error as error:
        first = str(error).splitlines()[0]
        raise ConfigFileError(f"{display(path)}: not a valid INI file: {first}; it was left as it is",
                              path=path) from None
    same = [name for name in (parser[section] if parser.has_section(section) else {}) if name.lower() == key.lower()]
    for name in same:
        parser.remove_option(section, name)
    if value is not UNSET:
        if not parser.has_section(section):
            parser.add_section(section)
        parser.set(section, key, value)
    out = io.StringIO()
    parser.write(out)
    return _within_cap(out.getvalue(), path), bool(same) or value is not UNSET


def _within_cap(text: str, path: str) -> str:
    """``text``, when the file it becomes can still be read back (at most MAX_FILE_BYTES)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ConfigFileError(f"{display(path)}: would be larger than {MAX_FILE_BYTES} bytes (the largest file that "
                              "is read back); left as it is", path=path)
    return text


def _nesting(data: object) -> int:
    """How deeply arrays and tables nest in ``data`` (counted without recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _toml(text: str, path: str, layer: str | None) -> dict[str, Any]:
    """The TOML document in ``text``; ConfigContentError when it cannot be parsed, or is nested
    deeper than TOML_MAX_NESTING (it could not be written back: it is handled as unreadable)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigContentError(f"{display(path)}: not valid TOML: {error}", layer=layer, path=path) from None
    except (RecursionError, ValueError) as error:  # nested too deeply, a number too long to convert
        why = "nested too deeply" if isinstance(error, RecursionError) else str(error)[:80]
        raise ConfigContentError(f"{display(path)}: not usable TOML: {why}", layer=layer, path=path) from None
    depth = _nesting(data)
    if depth > TOML_MAX_NESTING:
        raise ConfigContentError(f"{display(path)}: not usable TOML: nested too deeply to be written back "
                                 f"({depth} levels; at most {TOML_MAX_NESTING})", layer=layer, path=path)
    return data



class Format(Frozen):
    """One file format: its name in messages, its parser (text to mapping), the words its text
    values spell (None: typed values, true, false and "local"), what it accepts, and whether
    ``config set`` writes it."""

    __slots__ = ("accepted", "name", "parse", "words", "writable")
    name: str
    parse: Callable[[str, str, str, tuple[str, ...], Options], dict[str, Any]]
    words: Callable[[str], Mode | None] | None
    accepted: str
    writable: bool

    def __init__(self, name: str, parse: Callable[[str, str, str, tuple[str, ...], Options], dict[str, Any]],
                 words: Callable[[str], Mode | None] | None, accepted: str, *, writable: bool) -> None:
        self._set(name=name, parse=parse, words=words, accepted=accepted, writable=writable)


MODE_WORDS: dict[str, Mode] = {"on": "on", "off": "off", "local": "local"}
_TYPED = 'true, false or "local"'
_INI = "true, false, yes, no, on, off, 1 or 0 (any case)"
FORMATS: dict[FileFormat, Format] = {
    "json": Format("JSON", _parse_json, None, _TYPED, writable=True),
    "toml": Format("TOML", _parse_toml, None, _TYPED, writable=True),
    "ini": Format("INI", _parse_ini, lambda text: INI_WORDS.get(text.lower()), _INI, writable=True),
    "jsonc": Format("JSONC", _parse_jsonc, None, _TYPED, writable=False),
    "key_lines": Format("key_lines", _parse_key_lines, lambda text: INI_WORDS.get(text.lower()), _INI,
                        writable=False),
    "mode_line": Format("mode_line", _parse_mode_line, MODE_WORDS.get, "on, off or local (exactly)", writable=False),
}

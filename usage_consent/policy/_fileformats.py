"""The config file formats a host may keep its consent key in: JSON, INI and TOML.

Reading is tolerant (a missing file is no data; anything else bad is a ConfigFileError that
names the file and the problem, never the file's contents). Writing keeps every other key,
section and value. An INI value is written as ``True``/``False``, as Python's configparser
(and Skyplane 0.3.2's own reader) reads it back.
"""

from __future__ import annotations

import os
from typing import Any

from usage_consent._files.jsonfile import (
    MAX_FILE_BYTES,
    dump_json_object,
    parse_json_object,
    read_json_object,
    read_text,
)
from usage_consent._locations import display
from usage_consent.errors import ConfigAmbiguousError, ConfigContentError, ConfigFileError
from usage_consent.policy._model import FileFormat, Mode

EXTENSIONS: dict[str, FileFormat] = {".ini": "ini", ".cfg": "ini", ".conf": "ini", ".toml": "toml"}
# configparser's booleans (RawConfigParser.BOOLEAN_STATES), written once here so that reading an
# INI file does not import configparser; any case.
INI_WORDS: dict[str, Mode] = {"1": "on", "yes": "on", "true": "on", "on": "on",
                              "0": "off", "no": "off", "false": "off", "off": "off", "local": "local"}
INI_WRITTEN: dict[Mode, str] = {"on": "True", "off": "False", "local": "local"}
TYPED_WRITTEN: dict[Mode, Any] = {"on": True, "off": False, "local": "local"}
UNSET = object()
TOML_MAX_NESTING = 100  # deeper TOML could not be written back (tomli_w recurses): it is unusable
# configparser strips every Unicode whitespace around a value; the one blank rule (model.strip_blanks)
# strips only spaces and tabs. Other whitespace is swapped for private-use characters while
# configparser reads, so that it stays in the value (which is then invalid), and swapped back after.
_OTHER_BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c not in " \t\r\n")
_KEEP_BLANKS = str.maketrans({c: chr(0xF0000 + ord(c)) for c in _OTHER_BLANKS})
_BLANKS_BACK = str.maketrans({chr(0xF0000 + ord(c)): c for c in _OTHER_BLANKS})

__all__ = ["UNSET", "accepted", "file_format", "lookup", "parse_value", "read_mapping", "update_text", "written"]


def file_format(path: str, declared: FileFormat | None) -> FileFormat:
    """The declared format, else the one the file's extension names, else JSON."""
    return declared or EXTENSIONS.get(os.path.splitext(path)[1].lower(), "json")


def _ini_parser() -> Any:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are written back as they were
    return parser


def read_mapping(path: str, fmt: FileFormat, *, layer: str,
                 unique: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The file's contents as a mapping (INI: ``{section: {key: value}}``, keys lowercased);
    None when it does not exist, {} when it is empty. A ConfigAmbiguousError (which one counts
    would be a guess) for JSON: a key on the path ``unique`` more than once; INI: any section, or
    any key of a section (in any case, as configparser compares them), more than once."""
    if fmt == "json":
        return read_json_object(path, layer=layer, unique=unique)
    text = read_text(path, layer=layer, what=fmt.upper())
    if text is None:
        return None
    if fmt == "toml":
        return _toml(text, path, layer)
    import configparser

    parser = _ini_parser()
    try:
        parser.read_string(text.translate(_KEEP_BLANKS), display(path))
    except (configparser.DuplicateSectionError, configparser.DuplicateOptionError) as error:
        first = str(error).splitlines()[0]
        raise ConfigAmbiguousError(f"{display(path)}: {first}; which one counts is unclear",
                                   layer=layer, path=path) from None
    except configparser.Error as error:
        first = str(error).splitlines()[0]
        raise ConfigFileError(f"{display(path)}: not a valid INI file: {first}", layer=layer, path=path) from None
    mapping: dict[str, Any] = {}
    for section in parser.sections():
        table = mapping[section] = {}
        for name, value in parser[section].items():
            if name.lower() in table:  # configparser's own reader refuses such a file
                raise ConfigAmbiguousError(f"{display(path)}: [{section}] key {name.lower()!r} appears more than "
                                           "once (in any case); which one counts is unclear",
                                           layer=layer, path=path, key=name.lower())
            table[name.lower()] = value.translate(_BLANKS_BACK)
    return mapping


def lookup(data: dict[str, Any], section: str | None, key: str, fmt: FileFormat) -> object:
    """The value under ``[section] key`` (or ``key``), or UNSET; ConfigFileError when the section
    is there but is not a table."""
    table: object = data if section is None else data.get(section, {})
    if not isinstance(table, dict):
        raise ConfigFileError(f"{section!r} is not a table", key=section)
    return table.get(key.lower() if fmt == "ini" else key, UNSET)


def parse_value(value: object, fmt: FileFormat, accept_local: bool = True) -> Mode | None:
    """The mode a file value stands for, or None when the format does not accept it."""
    if fmt == "ini":
        mode = INI_WORDS.get(value.lower()) if isinstance(value, str) else None
    elif isinstance(value, bool):
        mode = "on" if value else "off"
    else:
        mode = "local" if value == "local" else None
    return None if mode == "local" and not accept_local else mode


def accepted(fmt: FileFormat, accept_local: bool = True) -> str:
    """What ``parse_value`` accepts, as the error messages say it."""
    if fmt == "ini":
        words = "true, false, yes, no, on, off, 1 or 0 (any case)"
        return words.replace(" or 0", ", 0 or local") if accept_local else words
    return 'true, false or "local"' if accept_local else "true or false"


def written(mode: Mode, fmt: FileFormat) -> Any:
    """The value written for ``mode`` in a file of this format."""
    return INI_WRITTEN[mode] if fmt == "ini" else TYPED_WRITTEN[mode]


def update_text(text: str | None, path: str, fmt: FileFormat, section: str | None, key: str,
                value: Any) -> tuple[str, bool]:
    """The file's new text with ``key`` set to ``value`` (UNSET: removed), and whether it
    changed; every other key, section and value is kept. ConfigFileError when ``text`` cannot
    be parsed (the file is then left as it is)."""
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


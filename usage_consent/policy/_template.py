"""Path templates: where a file is, written as data and expanded at decide time.

A template is text with, anywhere: ``${VAR}`` (the variable's value; unset or empty: the path does
not resolve), ``${VAR:-alt}`` (unset or empty: ``alt``), ``${VAR-alt}`` (only unset: ``alt``;
empty stays empty), ``${VAR:+text}`` (set and not empty: ``text``, else nothing) and
``{config_dir}`` (the platform's user config folder, as Go's ``os.UserConfigDir``); and at its
start (or at the start of an ``alt`` or ``text``) ``~``, the user's home. A template that starts
with a variable expanding to nothing, then ``/``, is relative (a folder joined to the rest, as
``path.join`` and ``os.path.join`` do: ``${XDG_CONFIG_HOME-~/.config}/astro`` with an empty
``XDG_CONFIG_HOME`` is ``astro``); the source's ``relative`` rules it. ``alt`` and ``text`` are
templates themselves. Any other ``$`` or ``{`` is an error of the policy (``parse``), found when
the policy is loaded; expanding never raises.
"""

from __future__ import annotations

import os
import re
import sys

from usage_consent._frozen import Frozen

TYPE_CHECKING = False  # not typing's
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["CONFIG_DIR", "Expanded", "TemplateError", "expand", "parse", "platform_name", "variables"]

CONFIG_DIR = "{config_dir}"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", ":+", "-")
PLATFORMS = ("linux", "darwin", "windows")


class TemplateError(ValueError):
    """A template that cannot be read (the message says where and what is accepted)."""


class _Var(Frozen):
    __slots__ = ("name", "operator", "word")
    name: str
    operator: str | None  # None: ${VAR}; else ":-", "-" or ":+"
    word: tuple[_Part, ...]

    def __init__(self, name: str, operator: str | None, word: tuple[_Part, ...] = ()) -> None:
        self._set(name=name, operator=operator, word=word)


class _Home(Frozen):
    __slots__ = ()


class _ConfigDir(Frozen):
    __slots__ = ()


_Part = str | _Var | _Home | _ConfigDir


def parse(text: str) -> tuple[_Part, ...]:
    """The parts of a template; TemplateError naming the first problem."""
    parts, _ = _parse(text, 0, nested=False)
    return parts


def _parse(text: str, start: int, *, nested: bool) -> tuple[tuple[_Part, ...], int]:
    """Parse from ``start`` to the end (or, ``nested``, to the closing ``}``): the parts and the
    index after them."""
    parts: list[_Part] = []
    literal: list[str] = []
    i = start
    if text.startswith("~", i) and (i + 1 == len(text) or text[i + 1] in "/}"):
        parts.append(_Home())
        i += 1
    while i < len(text):
        char = text[i]
        part: _Part
        if nested and char == "}":
            break
        if char == "$":
            part, i = _variable(text, i)
        elif text.startswith(CONFIG_DIR, i):
            part, i = _ConfigDir(), i + len(CONFIG_DIR)
        elif char in "{}":
            raise TemplateError(f"{char!r} at character {i + 1} of {text!r}: only ${{VAR}}, ${{VAR:-alt}}, "
                                f"${{VAR-alt}}, ${{VAR:+text}} and {CONFIG_DIR} use braces")
        else:
            literal.append(char)
            i += 1
            continue
        if literal:
            parts.append("".join(literal))
            literal.clear()
        parts.append(part)
    if nested and i >= len(text):
        raise TemplateError(f"{text!r}: a '${{' is never closed")
    if literal:
        parts.append("".join(literal))
    return tuple(parts), i


def _variable(text: str, i: int) -> tuple[_Var, int]:
    if not text.startswith("${", i):
        raise TemplateError(f"'$' at character {i + 1} of {text!r}: write ${{VAR}} (a lone '$' is not allowed)")
    match = _NAME.match(text, i + 2)
    if match is None:
        raise TemplateError(f"{text!r}: '${{' at character {i + 1} must be followed by a variable name")
    j = match.end()
    if text.startswith("}", j):
        return _Var(match.group(), None), j + 1
    operator = next((op for op in _OPERATORS if text.startswith(op, j)), None)
    if operator is None:
        raise TemplateError(f"{text!r}: after ${{{match.group()} write '}}', ':-', '-' or ':+'")
    word, end = _parse(text, j + len(operator), nested=True)
    return _Var(match.group(), operator, word), end + 1


def variables(parts: tuple[_Part, ...]) -> tuple[str, ...]:
    """Every variable a template may read (``{config_dir}`` reads XDG_CONFIG_HOME or AppData)."""
    found: list[str] = []
    for part in parts:
        if isinstance(part, _Var):
            found += [part.name, *variables(part.word)]
        elif isinstance(part, _ConfigDir):
            found += ["XDG_CONFIG_HOME", "AppData"]
    return tuple(dict.fromkeys(found))


def platform_name(platform: str | None = None) -> str:
    """``linux``, ``darwin``, ``windows`` or the platform as Python names it (a BSD: ``freebsd14``)."""
    platform = platform or sys.platform
    return "windows" if platform in ("win32", "cygwin") else "linux" if platform.startswith("linux") else platform


def config_dir(env: Mapping[str, str], home: str | None, platform: str) -> tuple[str | None, str]:
    """Go's ``os.UserConfigDir`` (the folder, or None and why not): Windows %AppData%, macOS
    ~/Library/Application Support, else $XDG_CONFIG_HOME when set (and absolute), else ~/.config."""
    if platform == "windows":
        found = env.get("AppData") or ""
        return (found, "%AppData%") if found else (None, "%AppData% is not set")
    if platform == "darwin":
        return (home + "/Library/Application Support", "~/Library/Application Support") if home else (
            None, "$HOME is not set")
    xdg = env.get("XDG_CONFIG_HOME") or ""
    if xdg:
        if not os.path.isabs(xdg):
            return None, f"$XDG_CONFIG_HOME is relative ({xdg!r})"
        return xdg, "$XDG_CONFIG_HOME"
    return (home + "/.config", "~/.config") if home else (None, "$HOME is not set")


class Expanded(Frozen):
    """A template expanded: the text (None: it does not resolve) and why, as one line each."""

    __slots__ = ("text", "why")
    text: str | None
    why: tuple[str, ...]

    def __init__(self, text: str | None, why: tuple[str, ...] = ()) -> None:
        self._set(text=text, why=why)


def expand(template: str, env: Mapping[str, str], home: str | None, platform: str | None = None) -> Expanded:
    """``template`` expanded against ``env`` and ``home`` (``platform``: as ``platform_name``
    gives it; default this one's). Does not resolve: an unset or empty ``${VAR}``, no home for a
    ``~``, no config folder; the text may still be empty or relative (the caller's rule)."""
    why: list[str] = []
    parts = parse(template)
    text = _expand(parts, env, home, platform_name(platform), why.append)
    if text is not None and parts and isinstance(parts[0], _Var) and len(parts) > 1 and isinstance(parts[1], str):
        head = _expand(parts[:1], env, home, platform_name(platform), why.append)
        if head == "" and parts[1].startswith("/"):  # a folder that is empty, joined: a relative path
            text = text[1:]
            why.append(f"${parts[0].name} expands to nothing: the path is relative")
    return Expanded(text, tuple(why))


def _expand(parts: tuple[_Part, ...], env: Mapping[str, str], home: str | None, platform: str,
            say: Callable[[str], None]) -> str | None:
    out: list[str] = []
    for part in parts:
        piece = _piece(part, env, home, platform, say)
        if piece is None:
            return None
        out.append(piece)
    return "".join(out)


def _piece(part: _Part, env: Mapping[str, str], home: str | None, platform: str,
           say: Callable[[str], None]) -> str | None:
    if isinstance(part, str):
        return part
    if isinstance(part, _Home):
        if not home:
            say("~: $HOME is not set")
        return home or None
    if isinstance(part, _ConfigDir):
        found, how = config_dir(env, home, platform)
        say(f"{CONFIG_DIR}: {how}")
        return found
    value = env.get(part.name)
    if part.operator is None:
        if not value:
            say(f"${part.name} is {'empty' if value == '' else 'not set'}")
        return value or None
    use_word = {":-": not value, "-": value is None, ":+": bool(value)}[part.operator]
    if part.operator == ":+":
        return _expand(part.word, env, home, platform, say) if use_word else ""
    return _expand(part.word, env, home, platform, say) if use_word else value

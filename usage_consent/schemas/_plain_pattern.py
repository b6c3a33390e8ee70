"""A report schema's ``pattern`` matched without importing :mod:`re` (which, with enum, functools and
collections, costs a fresh process about a third of its start).

The patterns a report schema holds are a sequence of characters and character classes, each
repeated a counted number of times, usually anchored: ``^[a-z0-9][a-z0-9-]{0,31}$``. ``compile_pattern``
reads exactly that subset and answers as ``re.search(pattern, text)`` does (``$`` matches at the end
or before a newline that ends the text, as Python's does); any other pattern gives None, and the
caller uses :mod:`re`. So does a text longer than ``LONGEST`` characters (the simulation below costs
its length times its reachable positions).

The subset: ``^`` first and ``$`` last (both optional); a literal character (not one of
``.^$*+?{}[]\\|()``, or one of those escaped with a backslash); a class ``[...]`` of characters and
ranges ``a-z`` (not negated; ``-`` literal only first or last; characters escaped as above; none of
the sequences Python warns about, ``[[ -- && ~~ ||``); each optionally followed by ``?``, ``*``,
``+``, ``{m}``, ``{m,}``, ``{,n}`` or ``{m,n}`` (not lazy, not possessive).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: a report process must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["LONGEST", "Item", "compile_pattern", "parse", "sample", "searcher"]

LONGEST = 256
SPECIAL = frozenset(".^$*+?{}[]\\|()")
ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")  # ASCII punctuation: \X is the character X
MAX_REPEAT = 65535
EXPAND = 512  # a class whose ranges hold at most this many characters in all is kept as a set of them
_UNSAFE_IN_CLASS = ("[[", "--", "&&", "~~", "||")  # Python reads (or will read) these as set operations


class Item:
    """One character or class (``chars``: single characters, ``ranges``: inclusive code point
    pairs), repeated ``low`` to ``high`` times (``high`` None: without bound)."""

    __slots__ = ("chars", "has", "high", "low", "ranges")

    def __init__(self, chars: frozenset[str], ranges: tuple[tuple[int, int], ...]) -> None:
        if sum(high - low + 1 for low, high in ranges) <= EXPAND:  # held as one set: one lookup a character
            chars = chars.union(*("".join(map(chr, range(low, high + 1))) for low, high in ranges))
            ranges = ()
        self.chars, self.ranges = chars, ranges
        self.has: Callable[[str], bool] = chars.__contains__ if not ranges else self._has
        self.low: int = 1
        self.high: int | None = 1

    def _has(self, char: str) -> bool:
        if char in self.chars:
            return True
        code = ord(char)
        return any(low <= code <= high for low, high in self.ranges)

    def example(self) -> str:
        return min(self.chars) if self.chars else chr(self.ranges[0][0])


class _Unsupported(Exception):
    """The pattern is outside the subset (only used inside this module)."""


def parse(pattern: str) -> tuple[bool, list[Item], bool] | None:
    """(anchored at the start, the items, anchored at the end), or None outside the subset."""
    try:
        return _parse(pattern)
    except (_Unsupported, IndexError, ValueError):
        return None


def _parse(pattern: str) -> tuple[bool, list[Item], bool]:
    start = pattern.startswith("^")
    end = pattern.endswith("$") and not pattern.endswith("\\$")
    body = pattern[1 if start else 0:len(pattern) - (1 if end else 0)]
    items: list[Item] = []
    at = 0
    while at < len(body):
        char = body[at]
        if char == "[":
            item, at = _class(body, at + 1)
        elif char == "\\":
            item, at = Item(frozenset(_escaped(body[at + 1])), ()), at + 2
        elif char in SPECIAL:
            if char in "?*+{" and items:
                at = _quantifier(body, at, items[-1])
                continue
            raise _Unsupported(char)
        else:
            item, at = Item(frozenset(char), ()), at + 1
        items.append(item)
    return start, items, end


def _escaped(char: str) -> str:
    if char not in ESCAPABLE:
        raise _Unsupported("\\" + char)  # \d, \w, \s, \b, \n ...: re's
    return char


def _class(body: str, at: int) -> tuple[Item, int]:
    close = at
    while body[close] != "]":  # IndexError: not closed
        close += 2 if body[close] == "\\" else 1
    text = body[at:close]
    if not text or text[0] == "^" or any(unsafe in text for unsafe in _UNSAFE_IN_CLASS):
        raise _Unsupported(text)
    tokens: list[tuple[str, bool]] = []  # (character, a bare dash: a range's operator or a literal dash)
    index = 0
    while index < len(text):
        if text[index] == "\\":
            tokens.append((_escaped(text[index + 1]), False))
            index += 2
        elif text[index] == "[":
            raise _Unsupported("[")
        else:
            tokens.append((text[index], text[index] == "-"))
            index += 1
    chars: set[str] = set()
    ranges: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        char, dash = tokens[index]
        if dash and index not in (0, len(tokens) - 1):
            raise _Unsupported("-")  # a dash that is neither first, last nor between two characters
        if not dash and index + 2 < len(tokens) and tokens[index + 1][1] and not tokens[index + 2][1]:
            low, high = ord(char), ord(tokens[index + 2][0])
            if low > high:
                raise _Unsupported("range")
            ranges.append((low, high))
            index += 3
        else:
            chars.add(char)
            index += 1
    return Item(frozenset(chars), tuple(ranges)), close + 1


def _count(text: str) -> bool:
    return not text or (text.isascii() and text.isdigit())


def _quantifier(body: str, at: int, item: Item) -> int:
    if item.low != 1 or item.high != 1:  # a quantifier after a quantifier: lazy, possessive or an error
        raise _Unsupported("repeat")
    char = body[at]
    if char != "{":
        item.low, item.high = {"?": (0, 1), "*": (0, None), "+": (1, None)}[char]
        after = at + 1
    else:
        close = body.index("}", at)  # ValueError: a brace that is not a repeat (re: a literal)
        low, comma, high = body[at + 1:close].partition(",")
        if not (_count(low) and _count(high)) or not (low or (comma and high)):
            raise _Unsupported("{")
        item.low = int(low) if low else 0
        item.high = (int(high) if high else None) if comma else item.low
        if item.low > MAX_REPEAT or (item.high is not None and not item.low <= item.high <= MAX_REPEAT):
            raise _Unsupported("{")
        after = close + 1
    if after < len(body) and body[after] in "?+*{":
        raise _Unsupported("lazy or possessive")
    return after


def compile_pattern(pattern: str) -> Callable[[str], bool] | None:
    """``lambda text: re.search(pattern, text) is not None`` for a text of at most LONGEST
    characters, without :mod:`re`; None when the pattern is outside the subset. A longer text is
    handed to :mod:`re` (imported then)."""
    parsed = parse(pattern)
    if parsed is None:
        return None
    start, items, end = parsed

    def search(text: str) -> bool:
        size = len(text)
        if size > LONGEST:
            import re

            return re.search(pattern, text) is not None
        reach = {0} if start else set(range(size + 1))
        for item in items:
            reach = _step(text, size, reach, item)
            if not reach:
                return False
        if not end:
            return True
        return size in reach or (size - 1 in reach and text.endswith("\n"))
    return search


def searcher(pattern: str) -> Callable[[str], bool]:
    """``compile_pattern``'s function, or re.search's where the pattern is outside the subset (re is
    imported then; re.error for a pattern it cannot read)."""
    search = compile_pattern(pattern)
    if search is not None:
        return search
    import re

    compiled = re.compile(pattern)
    return lambda text: compiled.search(text) is not None


def _step(text: str, size: int, reach: set[int], item: Item) -> set[int]:
    """Every position reachable from one in ``reach`` by matching ``item`` its low to high times."""
    found: set[int] = set()
    has, low = item.has, item.low
    high = size if item.high is None else item.high
    for position in reach:
        if low == 0:
            found.add(position)
        end, at = min(size, position + high), position
        while at < end and has(text[at]):
            at += 1
            if at - position >= low:
                found.add(at)
    return found


def sample(pattern: str) -> str | None:
    """A short text the pattern matches (each item its least number of times), or None when the
    pattern is outside the subset."""
    parsed = parse(pattern)
    if parsed is None:
        return None
    return "".join(item.example() * item.low for item in parsed[1])

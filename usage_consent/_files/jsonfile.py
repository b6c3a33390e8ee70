"""Reading a JSON-object file tolerantly: a missing file is no data; anything else bad is an error
that names the file and the problem (line and column for JSON), never the file's contents.

Two ways to read: strictly (numbers must be finite and convertible; used to decide) and for a
rewrite (``keep_numbers``: a number with a fraction or exponent (``1E5``, ``1e999``) or one Python
cannot hold (a 5,000-digit integer) is kept exactly as written, so that opting out never fails on
such a file and loses nothing).
"""

from __future__ import annotations

import errno
import os
import stat

from usage_consent._locations import display
from usage_consent.errors import ConfigAmbiguousError, ConfigContentError, ConfigFileError

TYPE_CHECKING = False  # not typing's: a cold decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from typing import Any

__all__ = ["dump_json_object", "parse_json_object", "read_json_object", "read_regular", "read_text", "stat_key"]
JSON_BLANKS = " \t\r\n"  # the whitespace JSON allows; a file of only these is empty


def stat_key(path: str) -> tuple[int, ...] | str:
    """What changes whenever the file at ``path`` does: used to know a cached read is stale."""
    try:
        st = os.stat(path)
    except OSError as error:
        return f"error:{error.errno}"
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev, st.st_mode, st.st_ctime_ns)


MAX_FILE_BYTES = 1 << 20  # a config, state, policy or record file larger than 1 MiB is invalid
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def not_regular(mode: int) -> str | None:
    """What a file of ``mode`` is when it is not a regular file ("a FIFO", ...), else None."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


class NotRegular(OSError):
    """The path is a FIFO, device, socket or folder, or larger than the cap: it is not read."""


def read_regular(path: str, *, dir_fd: int | None = None, follow: bool = True, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path``, read without ever blocking on it: a FIFO, device,
    socket, or a file above ``limit`` bytes, raises NotRegular at once (its strerror says which);
    a folder IsADirectoryError. FileNotFoundError and other OSErrors as usual."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags, dir_fd=dir_fd)
    try:
        kind = not_regular(os.fstat(fd).st_mode)
        if kind == "a directory":
            raise IsADirectoryError(errno.EISDIR, "is a directory, not a regular file")
        if kind:
            raise NotRegular(errno.EINVAL, f"is {kind}, not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        raise NotRegular(errno.EFBIG, f"is larger than {limit} bytes")
    finally:
        os.close(fd)


def read_text(path: str, *, layer: str = "config_file", what: str = "JSON", follow: bool = True) -> str | None:
    """The text of ``path``; None when the file does not exist. Raises ConfigFileError when the
    path is a directory, FIFO, device or socket, larger than MAX_FILE_BYTES, unreadable or (with
    ``follow=False``) a symbolic link, and ConfigContentError when it is not UTF-8 (``what`` names
    the kind of file expected)."""
    shown = display(path)
    try:
        return read_regular(path, follow=follow).decode("utf-8")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigFileError(f"{shown}: is a directory, not a {what} file", layer=layer, path=path) from None
    except NotRegular as error:
        raise ConfigFileError(f"{shown}: {error.strerror}", layer=layer, path=path) from None
    except NotADirectoryError:
        return None
    except UnicodeDecodeError as error:
        raise ConfigContentError(f"{shown}: not UTF-8 text (byte {error.start})", layer=layer, path=path) from None
    except OSError as error:
        if not follow and os.path.islink(path):
            raise ConfigFileError(f"{shown}: is a symbolic link; refused (it is never followed)",
                                  layer=layer, path=path) from None
        raise ConfigFileError(f"{shown}: cannot be read: {error.strerror}", layer=layer, path=path) from None


class _NumberError(ValueError):
    pass


class _Decoder:
    """The hooks of one parse: duplicate keys of each object, numbers kept or refused."""

    def __init__(self, keep_numbers: bool) -> None:
        self.keep_numbers = keep_numbers
        self.nonce = ""
        self.raw: list[str] = []
        self.duplicates: dict[int, tuple[dict[str, Any], set[str]]] = {}  # id(object): (object, keys)

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(pairs)
        if len(data) != len(pairs):
            seen: set[str] = set()
            twice: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    twice.add(key)
                seen.add(key)
            self.duplicates[id(data)] = (data, twice)  # the object is kept, so its id stays its own
        return data

    def duplicated(self, data: object, key: str) -> bool:
        """Whether ``key`` appears more than once in the object ``data`` of this parse."""
        held, twice = self.duplicates.get(id(data), (None, set()))
        return held is data and key in twice

    def _kept(self, text: str, why: str) -> str:
        """A placeholder string, put back as ``text`` when the object is dumped again."""
        if not self.keep_numbers:
            raise _NumberError(why)
        self.nonce = self.nonce or os.urandom(8).hex()
        self.raw.append(text)
        return f"{self.nonce}:{len(self.raw) - 1}"

    def integer(self, text: str) -> int | str:
        try:
            return int(text)
        except ValueError:
            return self._kept(text, f"holds a number too long to read ({len(text)} digits)")

    def real(self, text: str) -> float | str:
        if self.keep_numbers:  # for a rewrite, `1E5` stays `1E5` (float() would write `100000.0`)
            return self._kept(text, "")
        value = float(text)
        if value in (float("inf"), float("-inf")):
            return self._kept(text, f"holds a number too large to read ({text[:20]})")
        return value

    def constant(self, text: str) -> str:
        return self._kept(text, f"holds {text}, which is not JSON")


def read_json_object(path: str, *, layer: str = "config_file", unique: str | tuple[str, ...] | None = None,
                     keep_numbers: bool = False, follow: bool = True) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when the file does not exist, {} when it is empty.

    Raises ConfigContentError when the contents cannot be used (not UTF-8, not JSON, JSON that
    is not an object), ConfigAmbiguousError when it parses but not one way only (the ``unique``
    key, or any key on the path of keys ``unique`` names, more than once; NaN, Infinity or numbers
    Python cannot hold, unless ``keep_numbers``), and ConfigFileError when the path is a directory, unreadable, or (with
    ``follow=False``) a symbolic link.
    """
    text = read_text(path, layer=layer, follow=follow)
    if text is None:
        return None
    return parse_json_object(text, path, layer=layer, unique=unique, keep_numbers=keep_numbers)


def parse_json_object(text: str, path: str, *, layer: str = "config_file", unique: str | tuple[str, ...] | None = None,
                      keep_numbers: bool = False) -> dict[str, Any]:
    """``read_json_object`` for text already read (under a lock): the same rules and errors."""
    shown = display(path)
    text = text.removeprefix("\ufeff")  # a UTF-8 byte order mark some editors add; not written back
    if not text.strip(JSON_BLANKS):
        return {}  # an empty file holds no settings yet
    from usage_consent._files.plainjson import loads  # json.loads' answer and errors, without json and re

    decoder = _Decoder(keep_numbers)
    try:
        data = loads(text, object_pairs_hook=decoder.pairs, parse_int=decoder.integer,
                     parse_float=decoder.real, parse_constant=decoder.constant)
    except _NumberError as error:
        raise ConfigAmbiguousError(f"{shown}: {error}", layer=layer, path=path) from None
    except RecursionError:
        raise ConfigContentError(f"{shown}: JSON nested too deeply", layer=layer, path=path) from None
    except ValueError as error:  # json.JSONDecodeError, or plainjson's JSONTextError: both say where
        where: Any = error
        if not hasattr(where, "lineno"):
            raise
        if where.msg is None:  # plainjson: too deep to read
            raise ConfigContentError(f"{shown}: JSON nested too deeply", layer=layer, path=path) from None
        raise ConfigContentError(
            f"{shown}: not valid JSON: {where.msg.removesuffix(' at').removesuffix(':')} "
            f"at line {where.lineno}, column {where.colno}",
            layer=layer, path=path,
        ) from None
    if not isinstance(data, dict):
        kind = {dict: "object", list: "list", str: "str", bool: "bool", type(None): "null"}.get(type(data), "number")
        raise ConfigContentError(f"{shown}: holds a JSON {kind}, not an object", layer=layer, path=path,
                                 value=type(data).__name__)
    table: object = data
    for name in (unique,) if isinstance(unique, str) else unique or ():
        if decoder.duplicated(table, name):
            raise ConfigAmbiguousError(f"{shown}: key {name!r} appears more than once; which one counts is unclear",
                                       layer=layer, path=path, key=name)
        table = table.get(name) if isinstance(table, dict) else None
    if decoder.raw:
        data = _RawObject(data)
        data.decoder = decoder
    return data


class _RawObject(dict):
    """An object read with ``keep_numbers`` that holds numbers kept as written."""

    decoder: _Decoder


def dump_json_object(data: dict[str, Any], *, path: str, layer: str) -> str:
    """The text to write for ``data``: indented (compact when indented text would be larger than
    MAX_FILE_BYTES, so that the file can still be read), UTF-8 when it can be (a lone surrogate is
    written as its escape), numbers kept as written put back, never NaN. Raises ConfigFileError
    when it is nested too deeply to be written again, or larger than MAX_FILE_BYTES even compact
    (the file is then left as it is)."""
    for indent in (2, None):
        text = _dumped(data, indent, path=path, layer=layer)
        if len(text.encode("utf-8")) <= MAX_FILE_BYTES:
            return text
    raise ConfigFileError(f"{display(path)}: would be larger than {MAX_FILE_BYTES} bytes (the largest file that is "
                          "read back); left as it is", layer=layer, path=path)


def _dumped(data: dict[str, Any], indent: int | None, *, path: str, layer: str) -> str:
    import json
    import re

    text = None
    separators = None if indent else (",", ":")
    for ensure_ascii, level in ((False, indent), (True, indent), (True, None)):
        try:
            text = json.dumps(data, indent=level, ensure_ascii=ensure_ascii, allow_nan=False,
                              separators=separators if level is None else None)
            text.encode("utf-8")
            break
        except UnicodeEncodeError:
            continue
        except RecursionError:
            text = None
            continue
    if text is None:
        raise ConfigFileError(f"{display(path)}: nested too deeply to be written again; left as it is",
                              layer=layer, path=path)
    decoder = getattr(data, "decoder", None)
    if decoder is not None:
        raw = decoder.raw
        text = re.sub(f'"{decoder.nonce}:([0-9]+)"', lambda match: raw[int(match.group(1))], text)
    return text + "\n"

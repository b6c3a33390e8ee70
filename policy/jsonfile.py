"""Reading a JSON-object file tolerantly: a missing file is no data; anything else bad is an error
that names the file and the problem (line and column for JSON), never the file's contents."""

from __future__ import annotations

import errno
import json
import os
import stat
from typing import Any

from usage_consent.policy.paths import display
from usage_consent.schemas.errors import ConfigFileError


def stat_key(path: str) -> tuple[int, ...] | str:
    """What changes whenever the file at ``path`` does: used to know a cached read is stale."""
    try:
        st = os.stat(path)
    except OSError as error:
        return f"error:{error.errno}"
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_mode, st.st_ctime_ns)


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


def read_text(path: str, *, layer: str = "config_file", what: str = "JSON") -> str | None:
    """The text of ``path``; None when the file does not exist. Raises ConfigFileError when the
    path is a directory, FIFO, device or socket, larger than MAX_FILE_BYTES, unreadable or not
    UTF-8 (``what`` names the kind of file expected)."""
    shown = display(path)
    try:
        return read_regular(path).decode("utf-8")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigFileError(f"{shown}: is a directory, not a {what} file", layer=layer, path=path) from None
    except NotRegular as error:
        raise ConfigFileError(f"{shown}: {error.strerror}", layer=layer, path=path) from None
    except NotADirectoryError:
        return None
    except UnicodeDecodeError as error:
        raise ConfigFileError(
            f"{shown}: not UTF-8 text (byte {error.start})", layer=layer, path=path
        ) from None
    except OSError as error:
        raise ConfigFileError(
            f"{shown}: cannot be read: {error.strerror}", layer=layer, path=path
        ) from None


def read_json_object(path: str, *, layer: str = "config_file") -> dict[str, Any] | None:
    """The JSON object in ``path``; None when the file does not exist, {} when it is empty.

    Raises ConfigFileError when the path is a directory, unreadable, not UTF-8, not JSON,
    or JSON that is not an object.
    """
    shown = display(path)
    text = read_text(path, layer=layer)
    if text is None:
        return None
    if not text.strip():
        return {}  # an empty file holds no settings yet
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigFileError(
            f"{shown}: not valid JSON: {error.msg.removesuffix(' at').removesuffix(':')} "
            f"at line {error.lineno}, column {error.colno}",
            layer=layer,
            path=path,
        ) from None
    except RecursionError:
        raise ConfigFileError(f"{shown}: JSON nested too deeply", layer=layer, path=path) from None
    if not isinstance(data, dict):
        raise ConfigFileError(
            f"{shown}: holds a JSON {type(data).__name__.replace('dict', 'object')}, not an object",
            layer=layer,
            path=path,
            value=type(data).__name__,
        )
    return data

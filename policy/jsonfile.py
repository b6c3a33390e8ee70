"""Reading a JSON-object file tolerantly: a missing file is no data; anything else bad is an error
that names the file and the problem (line and column for JSON), never the file's contents."""

from __future__ import annotations

import json
import os
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


def read_text(path: str, *, layer: str = "config_file", what: str = "JSON") -> str | None:
    """The text of ``path``; None when the file does not exist. Raises ConfigFileError when the
    path is a directory, unreadable or not UTF-8 (``what`` names the kind of file expected)."""
    shown = display(path)
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigFileError(f"{shown}: is a directory, not a {what} file", layer=layer, path=path) from None
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

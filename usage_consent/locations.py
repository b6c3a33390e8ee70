"""Paths as users write them (``~`` is HOME) and as they are shown back."""

from __future__ import annotations

import os


def home_problem() -> str | None:
    """Why HOME cannot hold the user's files (empty or relative), or None when it can (or is unset:
    the account's home is then used)."""
    home = os.environ.get("HOME")
    if home is None or os.path.isabs(home):
        return None
    return f"$HOME is {'empty' if not home else f'relative ({home!r})'}; no file is read or written there"


def expand(path: str) -> str:
    """``~`` means the user's home, taken from HOME at the time of the call. Raises ConfigFileError for
    an empty or relative HOME, and for a path that is not absolute once expanded (``~nosuchuser/x``,
    ``x``): such files would be shared, or follow the current folder."""
    from usage_consent.errors import ConfigFileError

    if path.startswith("~"):
        problem = home_problem()
        if problem:
            raise ConfigFileError(problem, layer="home", path="$HOME", value=os.environ.get("HOME"))
    expanded = os.path.expanduser(path)
    if not os.path.isabs(expanded):
        raise ConfigFileError(f"{path!r} is not an absolute path (write ~/... or /...); no file is read or written "
                              "there", layer="policy", path=path)
    return expanded


def records_dir(app: str) -> str:
    """Where an app's reports are kept: ``<tempdir>/<app>/usage`` (TMPDIR is honoured)."""
    import tempfile

    return os.path.join(tempfile.gettempdir(), app, "usage")


def display(path: str) -> str:
    """A path shown with the user's home as ``~``."""
    home = os.environ.get("HOME", "")
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")) :]
    return path

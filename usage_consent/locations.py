"""Where usage-consent's files are, in one map: paths as users write them (``~`` is HOME) made
absolute in one place (``expand``), shown back with ``~`` (``display``), and, per policy, HOME and
temporary folder, the ``Locations`` every other module asks: the config file, the state file, the
managed file, the records root and its pending folder, and the lock file beside each.
"""

from __future__ import annotations

import os

from usage_consent.run import RunConfig, current

TYPE_CHECKING = False  # not typing's: importing typing costs a bare import 7 ms
if TYPE_CHECKING:
    from usage_consent.policy.model import Policy

__all__ = ["LOCK_SUFFIX", "PENDING_FOLDER", "PRUNE_LOCK", "RECORDS_FOLDER", "Locations", "display", "expand",
           "home_problem", "locations", "lock_file"]
RECORDS_FOLDER = "usage"  # <tempdir>/<app>/usage/<client id>/<session id>/report.json
PENDING_FOLDER = ".pending"  # <records root>/.pending/<client id>.<session id>: still to be sent
PRUNE_LOCK = ".prune.lock"  # <records root>/.prune.lock: one pruning at a time
LOCK_SUFFIX = ".lock"  # the lock beside a file: .<name>.lock


def home_problem() -> str | None:
    """Why HOME cannot hold the user's files (empty or relative), or None when it can (or is unset:
    the account's home is then used)."""
    home = current().home_dir()
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
            raise ConfigFileError(problem, layer="home", path="$HOME", value=current().home_dir())
    expanded = _expanduser(path)
    if not os.path.isabs(expanded):
        raise ConfigFileError(f"{path!r} is not an absolute path (write ~/... or /...); no file is read or written "
                              "there", layer="policy", path=path)
    return expanded


def _expanduser(path: str) -> str:
    """``os.path.expanduser``, with the run configuration's home when it gives one."""
    home = current().home
    if home is not None and (path == "~" or path.startswith("~/")):
        return home + path[1:]
    return os.path.expanduser(path)


def display(path: str) -> str:
    """A path shown with the user's home as ``~``."""
    home = current().home_dir() or ""
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")) :]
    return path


def lock_file(path: str) -> str:
    """The lock file beside ``path`` (the file itself is replaced by every write)."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}{LOCK_SUFFIX}")


class Locations:
    """The files of one policy for one HOME and temporary folder. A path is expanded when first
    asked for (a bad HOME fails only the paths under ``~``), then remembered."""

    __slots__ = ("_expanded", "config", "home", "policy")

    def __init__(self, policy: Policy, home: str | None, config: RunConfig) -> None:
        self.policy = policy
        self.home = home
        self.config = config
        self._expanded: dict[str, str] = {}

    @property
    def temp(self) -> str:
        """The temporary folder records are kept under (the run configuration's)."""
        return self.config.temp()

    def path(self, written: str) -> str:
        """``written`` (as a policy or variable gives it) made absolute: ``expand``, remembered."""
        found = self._expanded.get(written)
        if found is None:
            found = self._expanded[written] = expand(written)
        return found

    @property
    def config_file(self) -> str:
        return self.path(self.policy.config_file)

    @property
    def state_file(self) -> str:
        return self.path(self.policy.state_file)

    @property
    def schemas_dir(self) -> str | None:
        return self.path(self.policy.schemas_dir) if self.policy.schemas_dir else None

    @property
    def managed_file(self) -> str | None:
        """The administrator's file, when the policy has a managed source."""
        spec = next((s for s in self.policy.sources if s.kind == "managed"), None)
        return self.path(spec.path) if spec is not None and getattr(spec, "path", None) else None

    def records_parts(self, *more: str) -> list[str]:
        """The records folder (and ``more`` below it) as folder names under the temporary root, as
        ``usage_consent.files.tempdirs.open_dir`` opens them."""
        return [self.policy.app, RECORDS_FOLDER, *more]

    @property
    def records_root(self) -> str:
        """``<tempdir>/<app>/usage``: every report kept, exactly as sent."""
        return os.path.join(self.temp, *self.records_parts())

    @property
    def pending(self) -> str:
        return os.path.join(self.temp, *self.records_parts(PENDING_FOLDER))

    def record_file(self, client_id: str, session_id: str, name: str) -> str:
        return os.path.join(self.temp, *self.records_parts(client_id, session_id, name))


_maps: dict[tuple[int, str | None, str | None], Locations] = {}


def locations(policy: Policy) -> Locations:
    """The map for ``policy`` under the run configuration's home and temporary folder (built once
    for each)."""
    config = current()
    key = (id(policy), config.home_dir(), config.temp_dir)
    found = _maps.get(key)
    if found is None or found.policy is not policy or found.config is not config:
        if len(_maps) > 32:
            _maps.clear()
        found = _maps[key] = Locations(policy, key[1], config)
    return found

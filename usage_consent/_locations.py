"""Where usage-consent's files are, in one map: paths as users write them (``~`` is HOME) made
absolute in one place (``expand``), shown back with ``~`` (``display``), and, for one policy and
one run configuration, the ``Locations`` every other module is handed (``decide()`` builds it once,
in the decision's context): the config file, the state file and the copies set aside beside it, the
managed file, the records root, its pending folder and markers, and the lock file beside each.
"""

from __future__ import annotations

import os
import time

from usage_consent._run import RunConfig, current

TYPE_CHECKING = False  # not typing's: importing typing costs a bare import 7 ms
if TYPE_CHECKING:
    from collections.abc import Callable

    from usage_consent._report_settings import ReportSettings
    from usage_consent.policy._model import Policy

__all__ = ["ASIDE_INFIX", "LOCK_SUFFIX", "PACKAGED_SCHEMAS", "PENDING_FOLDER", "PRUNE_LOCK", "RECORDS_FOLDER",
           "Locations", "display", "expand", "home_problem", "home_problem_of", "locations", "lock_file", "marker_name",
           "memo_file"]
RECORDS_FOLDER = "usage"  # <tempdir>/<app>/usage/<client id>/<session id>/report.json
PENDING_FOLDER = ".pending"  # <records root>/.pending/<client id>__<session id>: still to be sent
PRUNE_LOCK = ".prune.lock"  # <records root>/.prune.lock: one pruning at a time
LOCK_SUFFIX = ".lock"  # the lock beside a file: .<name>.lock
ASIDE_INFIX = ".corrupt-"  # an unusable state file set aside: <state file>.corrupt-<UTC>[-n]
# The packaged report schemas' folder (abspath, not realpath: a realpath's lstat of every component
# costs a report process about 0.3 M instructions). schemas/_versions.py lists it; policy/_cache.py
# keys the memo on it.
PACKAGED_SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")
MEMO_SUFFIX = ".memo"  # the decision memo beside the state file: .<state file name>.memo (policy/_cache.py)


def marker_name(client_id: str, session_id: str) -> str:
    """A pending marker's name in PENDING_FOLDER: an empty file for each report still to be sent, whose
    flock is held by whoever sends or deletes that report (reporter/_store/__init__.py)."""
    return f"{client_id}__{session_id}"


def home_problem(run: RunConfig | None = None) -> str | None:
    """Why HOME cannot hold the user's files (empty or relative), or None when it can (or is unset:
    the account's home is then used)."""
    return home_problem_of((run or current()).home_dir())


def home_problem_of(home: str | None) -> str | None:
    """``home_problem`` of the home ``home`` (HOME as a run configuration gives it, already read).
    Absolute: text that starts with "/" (``os.path.isabs`` on the platforms supported, without its
    three calls: on every call), else as ``os.path.isabs`` says."""
    if home is None or (home.startswith("/") if type(home) is str else os.path.isabs(home)):
        return None
    return f"$HOME is {'empty' if not home else f'relative ({home!r})'}; no file is read or written there"


def expand(path: str, run: RunConfig | None = None) -> str:
    """``~`` means the user's home, taken from the run configuration (HOME by default) at the time of
    the call. Raises ConfigFileError for an empty or relative HOME, and for a path that is not
    absolute once expanded (``~nosuchuser/x``, ``x``): such files would be shared, or follow the
    current folder."""
    from usage_consent.errors import ConfigFileError

    run = run or current()
    if path.startswith("~"):
        problem = home_problem(run)
        if problem:
            raise ConfigFileError(problem, layer="home", path="$HOME", value=run.home_dir())
    expanded = _expanduser(path, run)
    if not os.path.isabs(expanded):
        raise ConfigFileError(f"{path!r} is not an absolute path (write ~/... or /...); no file is read or written "
                              "there", layer="policy", path=path)
    return expanded


def _expanduser(path: str, run: RunConfig) -> str:
    """``os.path.expanduser``, with the run configuration's home when it gives one."""
    if run.home is not None and (path == "~" or path.startswith("~/")):
        return run.home + path[1:]
    return os.path.expanduser(path)


def display(path: str, run: RunConfig | None = None) -> str:
    """A path shown with the user's home as ``~``."""
    home = (run or current()).home_dir() or ""
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")) :]
    return path


def lock_file(path: str) -> str:
    """The lock file beside ``path`` (the file itself is replaced by every write)."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}{LOCK_SUFFIX}")


def memo_file(state_file: str) -> str:
    """The decision memo beside the state file ``state_file`` (policy/_cache.py)."""
    folder, name = os.path.split(state_file)
    return os.path.join(folder, f".{name}{MEMO_SUFFIX}")


class Locations:
    """The files of one policy under one run configuration (its HOME and temporary folder). A path
    is expanded when first asked for (a bad HOME fails only the paths under ``~``), then kept: a
    Locations lives as long as the decision whose context holds it. ``load``: how to get the policy
    when ``policy`` is None (a decision answered from the memo: loaded on first use); ``settings``:
    the policy's plain values when known without loading it (the memo's), else taken from the
    policy on first use. The state file and the schemas folder are read from them. ``view``: the
    policy's plain view (policy/_plain.py), which a resolution reads instead (``view``) while the
    policy itself is loaded only when asked for."""

    __slots__ = ("_app", "_expanded", "_load", "_policy", "_settings", "_temp", "_view", "home", "run")

    def __init__(self, policy: Policy | None, run: RunConfig, *, load: Callable[[], Policy] | None = None,
                 app: str | None = None, settings: ReportSettings | None = None, view: Policy | None = None) -> None:
        if policy is None and load is None:
            raise TypeError("Locations needs a policy or a way to load it")
        self._policy = policy
        self._load = load
        self._view = view
        self._settings = settings
        self._app = settings.app if settings is not None else app  # known without loading the policy
        self.run = run
        self.home = run.home_dir()
        self._expanded: dict[str, str] = {}
        self._temp: str | None = None

    @property
    def policy(self) -> Policy:
        """The policy (loaded on first use when this map was made from the memo)."""
        if self._policy is None:
            assert self._load is not None
            self._policy = self._load()
        return self._policy

    @property
    def view(self) -> Policy:
        """The policy as a resolution reads it: its plain view when this map has one, else the policy."""
        return self._view if self._view is not None else self.policy

    @property
    def settings(self) -> ReportSettings:
        """The policy's values a session reads (``ReportSettings``): the memo's, else the policy's."""
        if self._settings is None:
            from usage_consent._report_settings import ReportSettings

            self._settings = ReportSettings.of(self.view)
        return self._settings

    @property
    def config(self) -> RunConfig:
        """The run configuration (the name the reporter used before the context)."""
        return self.run

    @property
    def temp(self) -> str:
        """The temporary folder records are kept under (the run configuration's, looked up once)."""
        if self._temp is None:
            self._temp = self.run.temp()
        return self._temp

    def path(self, written: str) -> str:
        """``written`` (as a policy or variable gives it) made absolute: ``expand``, kept."""
        found = self._expanded.get(written)
        if found is None:
            found = self._expanded[written] = expand(written, self.run)
        return found

    def display(self, path: str) -> str:
        """``path`` shown with this run's home as ``~``."""
        return display(path, self.run)

    @property
    def config_file(self) -> str:
        return self.path(self.view.config_file)

    @property
    def state_file(self) -> str:
        return self.path(self.settings.state_file)

    @property
    def memo_file(self) -> str:
        """The decision memo beside the state file."""
        return memo_file(self.state_file)

    @property
    def schemas_dir(self) -> str | None:
        """The host's schemas folder, expanded (None: the packaged schemas)."""
        written = self.settings.schemas_dir
        return self.path(written) if written else None

    @property
    def managed_file(self) -> str | None:
        """The administrator's file, when the policy has a managed source."""
        spec = next((s for s in self.view.sources if s.kind == "managed"), None)
        return self.path(spec.path) if spec is not None and getattr(spec, "path", None) else None

    @staticmethod
    def lock(path: str) -> str:
        """The lock file beside ``path``."""
        return lock_file(path)

    @staticmethod
    def aside(path: str) -> str:
        """Where an unusable file at ``path`` is moved: beside itself, named with the UTC time
        (``<path>.corrupt-<UTC>``, then ``-2``, ``-3``...: never reused)."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        aside, n = f"{path}{ASIDE_INFIX}{stamp}", 1
        while os.path.lexists(aside):
            n += 1
            aside = f"{path}{ASIDE_INFIX}{stamp}-{n}"
        return aside

    @property
    def asides_pattern(self) -> str:
        """A glob for the state file's copies set aside."""
        import glob

        return glob.escape(self.state_file) + ASIDE_INFIX + "*"

    def records_parts(self, *more: str) -> list[str]:
        """The records folder (and ``more`` below it) as folder names under the temporary root, as
        ``usage_consent._files.tempdirs.open_dir`` opens them."""
        return [self._app or self.view.app, RECORDS_FOLDER, *more]

    @property
    def records_root(self) -> str:
        """``<tempdir>/<app>/usage``: every report kept, exactly as sent."""
        return os.path.join(self.temp, *self.records_parts())

    @property
    def pending(self) -> str:
        return os.path.join(self.temp, *self.records_parts(PENDING_FOLDER))

    @staticmethod
    def marker_name(client_id: str, session_id: str) -> str:
        """A pending report's marker in the pending folder."""
        return f"{client_id}__{session_id}"

    @property
    def prune_lock(self) -> str:
        return os.path.join(self.records_root, PRUNE_LOCK)

    def record_file(self, client_id: str, session_id: str, name: str) -> str:
        return os.path.join(self.temp, *self.records_parts(client_id, session_id, name))


def locations(policy: Policy) -> Locations:
    """The map for ``policy`` under the run configuration in use here. For the commands and the
    reporter until they take it from ``decision.context``; the policy package never calls it."""
    return Locations(policy, current())

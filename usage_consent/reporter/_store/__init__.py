"""The records store: every local record under the records folder (``<tempdir>/<app>/usage/``), as
one object, ``Store``, built from a ``Locations`` (which names the app's folders under one
temporary folder). It holds nothing but where it is, so making one is cheap and two stores over the
same root agree: every fact lives on disk. A record is
``{client_id}/{session_id}/usage_stats.json`` (exactly the bytes sent) and ``status.json`` beside it
(mode, and each endpoint's outcome and time); their names and the status rules are here too, with
the pending markers' flock (their names are ``usage_consent/_locations.py``'s).

- ``listing``: what a user sees of the records, listing, showing and forgetting them (loaded by the
  commands that list or forget only).
- ``pruning``: the prune and which records it may remove (loaded by a process that prunes, on the
  thread that submits the prune: a lane's thread imports nothing).

A process that records a report loads this module alone: neither the locks of ``atomic`` (a marker's
flock: the send path's ``reporter/_spool.py`` imports them) nor ``_suppress``.

The functions at the end are the spellings the ``usage-consent`` command and hosts' tests use: each
builds the store of ``policy`` under the run configuration in use and asks it. Safe access to the
folders is ``usage_consent._files.tempdirs``; when to send and retry is ``reporter/_spool.py``.
"""

from __future__ import annotations

import os

from usage_consent._files import plainjson
from usage_consent._files.tempdirs import DIR_FLAGS, UnsafePath, open_dir, read_at, write_at
from usage_consent._locations import PENDING_FOLDER as PENDING  # the pending markers' folder (and marker_name)
from usage_consent._locations import marker_name
from usage_consent._run import now_iso

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from usage_consent._files.atomic import lock_descriptor
    from usage_consent._locations import Locations
    from usage_consent.policy import Policy
    from usage_consent.reporter._outcomes import SendOutcome
    from usage_consent.reporter._store.listing import Forgotten, RecordInfo

__all__ = [
    "OPEN_OUTCOMES",
    "PENDING",
    "RECORD",
    "STATUS",
    "UNTRIED",
    "Store",
    "forget",
    "list_records",
    "prune",
    "read_record",
    "record_path",
    "set_outcome",
    "show_record",
    "status_at",
    "status_in",
    "store_of",
    "usage_root",
]

RECORD, STATUS = "usage_stats.json", "status.json"
UNTRIED: tuple[SendOutcome, ...] = ("pending", "cancelled")  # outcomes that are not an attempt
OPEN_OUTCOMES: tuple[SendOutcome, ...] = ("pending", "failed")  # still to be sent


def status_at(session_fd: int) -> dict[str, Any]:
    """A session folder's status, read tolerantly: {} when missing or not a JSON object."""
    try:
        status = plainjson.loads(read_at(session_fd, STATUS).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return status if isinstance(status, dict) else {}


def status_in(client_fd: int, session_id: str) -> dict[str, Any] | None:
    """The status of a session folder inside an open client folder: None when the session folder
    cannot be opened, else as status_at reads it."""
    try:
        fd = os.open(session_id, DIR_FLAGS, dir_fd=client_fd)
    except OSError:
        return None
    try:
        return status_at(fd)
    finally:
        os.close(fd)


def set_outcome(status: dict[str, Any], url: str, outcome: SendOutcome, code: int | None, detail: str) -> None:
    """Set one endpoint's outcome; every outcome but pending (not tried yet) and cancelled counts
    an attempt."""
    entry = status.setdefault("endpoints", {}).setdefault(url, {"attempts": 0})
    entry.update(outcome=outcome, code=code, detail=detail, at=now_iso(),
                 attempts=entry.get("attempts", 0) + (outcome not in UNTRIED))


class Store:
    """Every local record of one app under one temporary folder: write, read, update a status,
    mark pending, list pending, take a marker's lock, list, show, prune and forget."""

    __slots__ = ("_temp", "where")

    def __init__(self, where: Locations) -> None:
        self.where = where
        self._temp = where.temp

    def _open(self, *more: str, create: bool = True) -> int:
        return open_dir(self.where.records_parts(*more), create=create, root=self._temp)

    # -- where ------------------------------------------------------------------------------------

    @property
    def root(self) -> str:
        """``<tempdir>/<app>/usage``: every report kept, exactly as sent."""
        return self.where.records_root

    def record_path(self, client_id: str, session_id: str) -> str:
        return self.where.record_file(client_id, session_id, RECORD)

    def status_path(self, client_id: str, session_id: str) -> str:
        return self.where.record_file(client_id, session_id, STATUS)

    # -- one record -------------------------------------------------------------------------------

    def write(self, client_id: str, session_id: str, body: bytes, status: dict[str, Any]) -> str:
        """Write the report and its status; returns the report's path. Raises UnsafePath or OSError."""
        try:
            fd = self._open(client_id, session_id)
        except FileNotFoundError:  # its client folder was removed, empty, just now: made again
            fd = self._open(client_id, session_id)
        try:
            write_at(fd, RECORD, body)
            write_at(fd, STATUS, plainjson.dumps_indented(status).encode())
        finally:
            os.close(fd)
        return self.record_path(client_id, session_id)

    def read(self, client_id: str, session_id: str) -> tuple[bytes, dict[str, Any]]:
        """The report's bytes and its status (read tolerantly: {} when unusable)."""
        fd = self._open(client_id, session_id, create=False)
        try:
            return read_at(fd, RECORD), status_at(fd)
        finally:
            os.close(fd)

    def update_status(self, client_id: str, session_id: str, change: Callable[[dict[str, Any]], None]) -> None:
        fd = self._open(client_id, session_id, create=False)
        try:
            status = status_at(fd)
            change(status)
            write_at(fd, STATUS, plainjson.dumps_indented(status).encode())
        finally:
            os.close(fd)

    def remove(self, client_id: str, session_id: str) -> None:
        """Delete one session's record folder (after checking the way to it is safe), and its
        client's folder when that is left empty."""
        fd = self._open(client_id, create=False)
        try:
            _remove_folder(fd, session_id)
        finally:
            os.close(fd)
        self._remove_if_empty(client_id)

    def _remove_if_empty(self, client_id: str) -> None:
        try:
            fd = self._open(create=False)
        except (OSError, UnsafePath):
            return
        try:
            os.rmdir(client_id, dir_fd=fd)
        except OSError:
            return  # harmless: it holds something
        finally:
            os.close(fd)

    # -- pending markers --------------------------------------------------------------------------

    def mark(self, client_id: str, session_id: str) -> None:
        """An empty marker file: nothing to write atomically, so it is simply created."""
        fd = self._open(PENDING)
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
            os.close(os.open(marker_name(client_id, session_id), flags, 0o600, dir_fd=fd))
        finally:
            os.close(fd)

    def unmark(self, client_id: str, session_id: str) -> None:
        """Remove a report's marker, if it is there."""
        try:
            fd = self._open(PENDING, create=False)
        except (OSError, UnsafePath):
            return
        try:
            os.unlink(marker_name(client_id, session_id), dir_fd=fd)
        except OSError:
            return  # gone already
        finally:
            os.close(fd)

    def has_pending(self) -> bool:
        """Cheap (one folder opened, one entry read): whether any report is pending."""
        try:
            with os.scandir(os.path.join(self.root, PENDING)) as found:
                return any(True for _ in found)
        except OSError:
            return False

    def pending(self, skip: set[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
        """Every pending (client_id, session_id) pair, oldest marker first, leaving out ``skip``; []
        when there are none."""
        try:
            fd = self._open(PENDING, create=False)
        except (OSError, UnsafePath):
            return []
        try:
            dated = []
            for name in os.listdir(fd):
                pair = tuple(name.split("__", 1))
                if len(pair) != 2 or (skip and pair in skip):
                    continue
                try:
                    dated.append((os.stat(name, dir_fd=fd, follow_symlinks=False).st_mtime_ns, pair))
                except OSError:
                    continue  # removed just now
        finally:
            os.close(fd)
        dated.sort()
        return [(client_id, session_id) for _, (client_id, session_id) in dated]

    def marker_lock(self, client_id: str, session_id: str, linked: bool = False) -> _MarkerLock:
        """``with store.marker_lock(...) as taken``: try (never wait) to take the marker's flock:
        True when taken, False when another thread or process holds it or the marker is gone (with
        ``linked``, also when it was removed, by a cancel or forget, between its opening and the
        flock). A forked child never keeps it."""
        return _MarkerLock(self, marker_name(client_id, session_id), linked)

    # -- what a user sees and erases --------------------------------------------------------------

    def records(self) -> list[RecordInfo]:
        """Every record, oldest first (reads one small status file each)."""
        from usage_consent.reporter._store.listing import records  # here: a session never lists

        return records(self)

    def show(self, session_id: str | None = None) -> tuple[RecordInfo, bytes]:
        """The exact bytes of one report: the newest when no session id is given."""
        from usage_consent.reporter._store.listing import show

        return show(self, session_id)

    def forget(self) -> int:
        """Delete every record and pending marker; returns how many records went."""
        from usage_consent.reporter._store.listing import forget_records

        return forget_records(self)

    # -- pruning ----------------------------------------------------------------------------------

    def prune(self, keep: int) -> int:
        """Keep the newest ``keep`` records (all client ids together), never a pending one nor one
        whose status says a send is still open; returns how many were removed (0 when another
        process prunes). Pruning's module is imported already by the thread that submitted this
        prune (Session._report imports it when a prune is due), or by a command's own thread."""
        from usage_consent.reporter._store.pruning import prune

        return prune(self, keep)

    def may_exceed(self, keep: int) -> bool:
        """Whether the folder may hold more than ``keep`` records, told from link counts (a folder's
        ``st_nlink`` is 2 plus its subfolders): one stat of the root and one of each client folder,
        not a scan. True when that cannot tell (a file system that does not count links, more
        than a few client folders: ``per_session`` ids)."""
        try:
            links = os.stat(self.root, follow_symlinks=False).st_nlink
        except OSError:
            return False  # no records folder yet: nothing to prune
        if links < 2 or links - 2 > 8:
            return True
        total = 0
        try:
            with os.scandir(self.root) as entries:
                for entry in entries:
                    if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                        sessions = entry.stat(follow_symlinks=False).st_nlink - 2
                        if sessions < 0:
                            return True
                        total += sessions
        except OSError:
            return True
        return total > keep


def _remove_folder(parent_fd: int, name: str) -> None:
    """Remove the folder ``name`` in ``parent_fd`` as ``shutil.rmtree(name, dir_fd=parent_fd)`` does
    (never following a symlink). A record's folder holds files only: those are unlinked here, without
    importing shutil (which a pruning session would otherwise load); anything else is left to shutil."""
    try:
        fd = os.open(name, DIR_FLAGS, dir_fd=parent_fd)
    except OSError:
        fd = None
    if fd is not None:
        try:
            for entry in os.listdir(fd):
                try:
                    os.unlink(entry, dir_fd=fd)  # a symlink is removed, not followed
                except IsADirectoryError:
                    break
                except PermissionError:  # EPERM: a folder, on some systems
                    break
        finally:
            os.close(fd)
        try:
            os.rmdir(name, dir_fd=parent_fd)
            return
        except OSError:
            pass
    import shutil  # a folder inside, or none at all: shutil's answer and errors

    shutil.rmtree(name, dir_fd=parent_fd)


class _MarkerLock:
    """``Store.marker_lock``'s block: the marker opened (never followed through a symlink) and its
    flock tried at the start; the descriptor closed at the end."""

    __slots__ = ("_held", "_linked", "_name", "_store")

    def __init__(self, store: Store, name: str, linked: bool) -> None:
        self._store, self._name, self._linked = store, name, linked
        self._held: lock_descriptor | None = None

    def __enter__(self) -> bool:
        # the locks: imported already by the send path (reporter/_spool.py), on the thread that submits
        from usage_consent._files.atomic import lock_descriptor, try_lock

        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            folder = self._store._open(PENDING, create=False)
            try:
                held = lock_descriptor(lambda: os.open(self._name, flags, dir_fd=folder))
                lock = held.__enter__()
            finally:
                os.close(folder)
        except (OSError, UnsafePath):
            return False
        self._held = held
        try:
            return try_lock(lock) and (not self._linked or os.fstat(lock).st_nlink > 0)
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc: object) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.__exit__()


# -- the spellings of the command and hosts' tests --------------------------------------------------


def store_of(policy: Policy) -> Store:
    """The store of ``policy`` under the run configuration in use (a command has no decision)."""
    from usage_consent._locations import locations

    return Store(locations(policy))


def usage_root(policy: Policy) -> str:
    return store_of(policy).root


def record_path(policy: Policy, client_id: str, session_id: str) -> str:
    return store_of(policy).record_path(client_id, session_id)


def read_record(policy: Policy, client_id: str, session_id: str) -> tuple[bytes, dict[str, Any]]:
    return store_of(policy).read(client_id, session_id)


def list_records(policy: Policy) -> list[RecordInfo]:
    """Every record under the usage folder, oldest first (reads one small status file each)."""
    return store_of(policy).records()


def show_record(policy: Policy, session_id: str | None = None) -> tuple[RecordInfo, bytes]:
    """The exact bytes of one report: the newest when no session id is given."""
    return store_of(policy).show(session_id)


def prune(policy: Policy) -> int:
    """Prune the app's records to its ``keep_sessions``; returns how many were removed."""
    return store_of(policy).prune(policy.reporter.keep_sessions)


def forget(policy: Policy) -> Forgotten:
    """Ask every collector that accepted a report of the current id (and any earlier request still
    pending) to delete it, then delete every local record and pending report; the id is rotated
    first, in the same state-file write that queues the deletion requests."""
    from usage_consent.reporter._store.listing import forget_all

    return forget_all(policy, store_of(policy))

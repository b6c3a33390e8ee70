"""The session around one transfer: build the report, validate it, record it, send it in the
background. Nothing here raises into the host, and nothing waits on the network."""

from __future__ import annotations

import sys

from usage_consent._context import Context
from usage_consent._files import plainjson
from usage_consent._files.jsonfile import stat_key
from usage_consent._files.tempdirs import UnsafePath
from usage_consent._log import log
from usage_consent._run import iso_from_ms, now_ms
from usage_consent.errors import ReportError, ReportInvalid, UsageConsentError
from usage_consent.policy._notice_state import notice_state_at, read_state  # the state file read: no StateFile
from usage_consent.reporter import _identity as identity
from usage_consent.reporter import _payload as payload
from usage_consent.reporter._process import Reporter, process
from usage_consent.reporter._store import Store, set_outcome

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType
    from typing import Any, Literal

    from usage_consent.policy import Decision
    from usage_consent.policy._notice_state import NoticeState
    from usage_consent.policy._state import StateFile
    from usage_consent.reporter._outcomes import ReportOutcome
    from usage_consent.reporter._spool import Spool

# reporter/_spool.py and _send.py (sending, retrying, cancelling) are imported where a session may
# send or has pending reports to delete: a local session that only records never loads them.

__all__ = ["STAGES", "Session", "error_class", "start_session"]

STAGES = ("setup", "planning", "provisioning", "transfer", "teardown", "unknown")


def error_class(error: BaseException) -> str:
    """The exception's class name if it is a plain identifier, else the nearest built-in base's."""
    for cls in type(error).__mro__:
        name = cls.__name__
        if name.isascii() and name.isidentifier() and len(name) <= 64:
            return name
    return "Exception"


def _strict_by_default() -> bool:
    """The testing helper's switch (``usage_consent/_runtime.py``'s ``strict_reports``). The helper imports
    that module to turn it on, so it is read from the module when loaded, and is off in a process that
    has not loaded it (a host's): such a process need not import it to find it off. (The same way
    ``_run.default_temp_dir`` asks tempfile only once something has imported it.)"""
    return bool(getattr(sys.modules.get("usage_consent._runtime"), "strict_reports", False))  # half made: off


def _context_of(decision: Decision) -> Context:
    """The decision's context (policy, run configuration, locations). A decision made before
    decide() carried one gets it built here, the one place that looks them up."""
    found = getattr(decision, "context", None)
    if found is not None:
        return found
    from usage_consent._locations import locations
    from usage_consent._run import current

    return Context(current(), locations(decision.policy))


class Session:
    """Bound to one decision (and its context) for its whole life: it never re-reads settings."""

    def __init__(self, decision: Decision, client_id: str | None, session_id: str | None,
                 fields: Mapping[str, Any], notice_status: NoticeState | None = None,
                 context: Context | None = None) -> None:
        self.decision = decision
        self.context = context
        self.notice_status = notice_status
        self.mode = decision.mode
        self.client_id = client_id
        self.session_id = session_id
        self.started_ms = now_ms()
        self.fields: dict[str, Any] = dict(fields)
        self.stage = "unknown"
        self.outcome: ReportOutcome | None = None
        self.path: str | None = None

    def update(self, **fields: Any) -> None:
        """Add transfer fields (command, source, destination, options, tool_version, ...)."""
        self.fields.update(fields)

    @property
    def schema_version(self) -> int:
        """The schema version of this session's report (read with the notice's state at its start)."""
        if self.notice_status is None:
            raise ReportError("a session that collects nothing makes no report", layer="reporter")
        return self.notice_status.current_version

    def set_stage(self, stage: str) -> None:
        """Where the transfer is, so that a failure can say where (setup, planning, ..., teardown)."""
        self.stage = stage if stage in STAGES else "unknown"

    def payload(self, fields: Any = None, **more: Any) -> dict[str, Any]:
        """The report: the library's defaults, then the session's fields and these (the host's values
        are kept), then the ids and schema version only the library fills in."""
        return payload.build(payload.host_fields(self.fields, fields, more), client_id=self.client_id,
                             session_id=self.session_id, schema_version=self.schema_version,
                             started_ms=self.started_ms)

    def report(self, fields: Any = None, *, strict: bool | None = None, **more: Any) -> ReportOutcome:
        """Make this transfer's one report; it is validated, recorded and sent in the background.

        ``fields`` is a mapping or a pydantic model of the report's fields (command, source,
        destination, options, stats, tool_version, session_start_timestamp_ms, ...); the ids,
        schema version and what the host did not give are filled in. Returns off, duplicate,
        failed, invalid (not JSON data, or a field only the library fills in), recorded (local
        mode), queued (to be sent) or dropped (the background queue was full; counted in a
        warning). The background work sets ``outcome`` to invalid (breaks
        the schema; the warning names the field path) or unsafe (a record folder is a symlink or
        someone else's), and then nothing is written or sent.

        ``strict=True`` (the default inside ``usage_stats_sandbox``) validates on this thread
        and raises ``ReportInvalid`` listing every problem, as ``validate_report`` does.
        """
        strict = _strict_by_default() if strict is None else strict
        try:
            self.outcome = self._report(fields, more, strict)
        except ReportInvalid:
            self.outcome = "invalid"
            raise
        except Exception as error:  # usage reporting must never hurt the host
            log.warning("usage report not recorded: %s: %s", type(error).__name__, error)
            self.outcome = "failed"
        return self.outcome

    def _report(self, fields: Any, more: dict[str, Any], strict: bool = False) -> ReportOutcome:
        """On the transfer's thread: only build and freeze the report; the rest is background work."""
        client_id, session_id = self.client_id, self.session_id
        if not self.decision.enabled or client_id is None or session_id is None:  # an off session has no ids
            return "off"
        if self.outcome is not None:
            return "duplicate"
        host = payload.host_fields(self.fields, fields, more)
        report = payload.build(host, client_id=client_id, session_id=session_id,
                               schema_version=self.schema_version, started_ms=self.started_ms)
        context = self.context or _context_of(self.decision)
        settings = context.settings  # plain values: no policy model is loaded for a report
        if strict:
            found = payload.problems(host, report, settings.schema_name, context.locations.schemas_dir)
            if found:
                raise ReportInvalid(found, settings.schema_name)
        elif owned := payload.owned_problems(host):
            log.warning("usage report not recorded or sent: %s", "; ".join(owned))
            return "invalid"
        payload.prepare_check(report, settings.schema_name, context.locations.schemas_dir)  # the lane imports nothing
        try:
            body = plainjson.dumps(report).encode()  # json.dumps(sort_keys, compact, no NaN), without json
        except (TypeError, ValueError) as error:
            found = payload.non_finite_problems(report) or [f"(top level): not JSON data: {error}"]
            if strict:
                raise ReportInvalid(found, settings.schema_name) from None
            log.warning("usage report not recorded or sent: not JSON data: %s", "; ".join(found))
            return "invalid"
        told = self.notice_status is not None and not self.notice_status.due
        sending = self.mode == "on" and told and bool(self.decision.endpoints)
        store = Store(context.locations)
        self.path = store.record_path(client_id, session_id)
        prune = _prune_due(store, settings.keep_sessions)
        created_ms = now_ms()
        job = lambda: self._record(store, body, session_id, created_ms, told, sending, prune)  # noqa: E731
        # local: the job never needs threading (plain); a send needs requests, which imports it
        if not process().lanes.submit(job, settings.exit_wait_s, "write", report=True, config=context.run,
                                      plain=not sending):
            self.path = None
            return "dropped"
        return "queued" if sending else "recorded"

    def _record(self, store: Store, body: bytes, session_id: str, created_ms: int, told: bool,
                sending: bool, prune: bool = False) -> None:
        """In the background: validate (the schema is the allowlist), write the local record, then
        hand the send to the send lane, and the prune (``prune``: due) to the write lane. A report
        that fails validation is neither written nor sent."""
        settings = store.where.settings
        data = plainjson.loads(body.decode("ascii"))
        problems = payload.schema_problems(data, settings.schema_name, store.where.schemas_dir)
        if problems:
            self.outcome, self.path = "invalid", None
            log.warning("usage report not recorded or sent: it breaks schema %s: %s", settings.schema_name,
                        "; ".join(problems))
            return
        client_id = data["client_id"]  # the body is the truth (the session's id may have been replaced)
        status = {"client_id": client_id, "session_id": session_id, "created_at": iso_from_ms(created_ms),
                  "created_ms": created_ms, "mode": self.mode, "schema": settings.schema_name,
                  "schema_version": data["schema_version"], "notice_shown": told, "endpoints": {}}
        for url in self.decision.endpoints if sending else ():
            set_outcome(status, url, "pending", None, "queued")
        try:
            store.write(client_id, session_id, body, status)
            if sending:
                store.mark(client_id, session_id)
        except UnsafePath as error:
            self.outcome, self.path = "unsafe", None
            log.warning("usage report not recorded or sent: %s", error.message)
            return
        reporter, wait = process(), settings.exit_wait_s
        if sending:
            # the send lane gets the bytes and the status (the notice was shown: told) from here
            from usage_consent.reporter._spool import Spool, Written

            spool, written = Spool(self.decision, store, reporter.sender), Written(body, status)
            reporter.lanes.submit(lambda: spool.send_locked(client_id, session_id, written), wait, report=True)
        if prune:
            keep = settings.keep_sessions
            reporter.lanes.submit(lambda: store.prune(keep), wait, "write", plain=True)  # housekeeping: not a report

    def __enter__(self) -> Session:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> Literal[False]:
        if error is not None and self.outcome is None and isinstance(error, Exception):
            self.report(error={"error_class": error_class(error), "location": self.stage})
        return False  # the transfer's exception continues unchanged


def _read_state(reporter: Reporter, state_file: str) -> dict[str, Any]:
    """The state file's contents, parsed again only when its stat changed (one stat on a
    transfer's path instead of open, read and parse). The caller must not modify the result."""
    key = stat_key(state_file)
    cached = reporter.state_reads.get(state_file)
    if cached is not None and cached[0] == key:
        return cached[1]
    data = read_state(state_file)
    if isinstance(key, tuple):
        if len(reporter.state_reads) > 32:
            reporter.state_reads.clear()
        reporter.state_reads[state_file] = (key, data)
    return data


def start_session(decision: Decision, **fields: Any) -> Session:
    """A session bound to ``decision``. Off: nothing is collected, and reports still pending from
    earlier sessions are deleted unsent (also in local mode), in the background. Never raises.

    On the transfer's thread this reads (at most) the state file; a new client id is stored in
    the background, and so is every other write."""
    try:
        if decision.context is None and decision.policy_given is None:
            return Session(decision, None, None, fields)
        context, reporter = _context_of(decision), process()
        store = Store(context.locations)
        if decision.mode != "on" and store.has_pending():
            from usage_consent.reporter._spool import Spool

            reporter.lanes.submit(Spool(decision, store, reporter.sender).cancel_all,
                                  context.settings.exit_wait_s, "write", config=context.run)
        if not decision.enabled:  # nothing collected: the policy (from the memo: not loaded) is not needed
            return Session(decision, None, None, fields)
        settings = context.settings  # plain values (the memo's after a hit): the policy model is not loaded
        wait = settings.exit_wait_s
        state_file = context.locations.state_file
        try:
            state = _read_state(reporter, state_file)
        except UsageConsentError:
            state = {}
        # A CI run's decision holds for that run only: its reports get a client id of their own,
        # and nothing is written to the state file.
        if decision.for_this_run_only:
            client_id, new = identity.new_id(), False
        else:
            client_id, new = identity.needs_storing(state_file, state, reporter.proposed, settings.per_session)
        # The schema's version as the decision found it (its notice spoke of that one; after a memo hit
        # the memo's key held the schemas folder unchanged), so the folder is not listed again.
        known = decision.notice.current_version if decision.notice is not None else None
        notice = notice_state_at(context.locations, state, known)
        session = Session(decision, client_id, identity.new_id(), fields, notice, context)
        if new:
            # a write: the state file's writer and its locks are imported here, by the caller's thread (a
            # lane's imports nothing)
            from usage_consent._files.atomic import TRANSFER_LOCK_WAIT_S
            from usage_consent.policy._state import StateFile

            writer = StateFile(state_file)
            if not reporter.lanes.submit(lambda: _store_client_id(session, writer, client_id, TRANSFER_LOCK_WAIT_S),
                                         wait, "write", config=context.run, plain=True):
                reporter.proposed.pop(state_file, None)  # not queued: the next session proposes again
        if decision.mode == "on":
            from usage_consent.reporter._send import prepare_send
            from usage_consent.reporter._spool import Spool

            prepare_send()  # here: the send lane's thread imports nothing
            _retry_soon(Spool(decision, store, reporter.sender), wait, context)
            from usage_consent.reporter import _deletion as deletion  # here: only a session that may send

            deletion.retry_once(lambda: decision.policy, state_file, state, reporter.deletions_retried,
                                lambda job: reporter.lanes.submit(job, wait, config=context.run))
        return session
    except Exception as error:  # usage reporting must never hurt the host
        log.warning("usage reporting off for this transfer: %s: %s", type(error).__name__, error)
        return Session(_off(decision), None, None, fields)


def _prune_due(store: Store, keep: int) -> bool:
    """Whether the record job of this report is to prune its folder afterwards (``Reporter.prune_due``),
    asked on the thread that makes the report: pruning's code is imported here, by a process that
    prunes only (a lane's thread imports nothing)."""
    due = process().prune_due(store.root, keep, store.may_exceed)
    if due:
        import usage_consent.reporter._store.pruning  # noqa: F401 - what store.prune runs
    return due


def _retry_soon(spool: Spool, wait: float, context: Context) -> None:
    """Queue one retry of earlier pending reports, unless one is already waiting (a burst of
    sessions queues one retry, not one each), every endpoint is resting or nothing is pending."""
    queued = process().retry_queued
    key = (spool.store.root, context.run)  # a job the sandbox drops at its end leaves only its own key
    if key in queued or not spool.retry_due():
        return
    queued.add(key)

    def job() -> None:
        queued.discard(key)
        spool.retry_all()

    if not process().lanes.submit(job, wait, config=context.run):
        queued.discard(key)


def _store_client_id(session: Session, state: StateFile, proposed: str, wait: float) -> None:
    """In the background: store the new client id (the lock waited for at most ``wait``); a concurrent
    first run's id wins, and this session uses it too unless its report is already made."""
    kept = identity.store_client_id(state, proposed, process().proposed, wait)
    if kept != proposed and session.outcome is None:
        session.client_id = kept


def _off(decision: Decision) -> Decision:
    return decision.replace(mode="off", endpoints=())

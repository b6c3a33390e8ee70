"""The notice: what is collected (from the current schema's descriptions), how to opt out,
where every report is kept, and what changed since the version the user last saw."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

from usage_consent._locations import Locations
from usage_consent._log import log
from usage_consent._run import current
from usage_consent.errors import UsageConsentError
from usage_consent.policy._model import Policy
from usage_consent.policy._notice_state import NoticeState, notice_state, read_notice_state, schemas_root
from usage_consent.policy._state import StateFile

if TYPE_CHECKING:
    from usage_consent._context import Context

__all__ = ["WIDTH", "commands", "render", "render_short", "show", "status"]


def _where(policy: Policy, where: Locations | None) -> Locations:
    """The decision's locations, else those of the run configuration in use (a command's)."""
    return where if where is not None else Locations(policy, current())


def status(policy: Policy, state: dict[str, Any] | None = None, where: Locations | None = None) -> NoticeState:
    """The notice's state (policy/_notice_state.py), from ``state``, the state file's contents,
    when the caller has already read them, else from the file."""
    where = _where(policy, where)
    return read_notice_state(policy, where) if state is None else notice_state(policy, state, where)


WIDTH = 100


def commands(policy: Policy) -> dict[str, str]:
    """The commands the notice names: the policy's ``[commands]``, else usage-consent's own."""
    from usage_consent.policy._model import DoNotTrackSource, EnvSource

    env = next((s.names[0] for s in policy.sources if isinstance(s, EnvSource)), None)
    dnt = next((s.variable for s in policy.sources if isinstance(s, DoNotTrackSource)), "DO_NOT_TRACK")
    fallback = {
        "opt_out": f"usage-consent config set {policy.key} false",
        "opt_out_run": f"{env}=0" if env else f"{dnt}=1",
        "local": f"usage-consent config set {policy.key} local",
        "records": "usage-consent records list",
        "forget": "usage-consent forget",
        "notice": "usage-consent notice",
    }
    given = policy.commands.model_dump(exclude_none=True)
    return {name: given.get(name) or default for name, default in fallback.items()}


def _head(policy: Policy, where: Locations) -> tuple[str, int]:
    from usage_consent.schemas._registry import load

    schema = load(policy.schema_name, None, schemas_root(policy, where))
    version = schema["properties"]["schema_version"]["const"]
    title = policy.notice.title or f"{policy.app} usage statistics"  # a policy that shows no notice has no title
    return f"== {title} ({policy.schema_name} v{version}) ==", version


def _changes(policy: Policy, since: int | None, version: int, where: Locations) -> list[str]:
    """What changed since the version the user last saw (empty on a first notice)."""
    from usage_consent.schemas._diff import diff
    from usage_consent.schemas._registry import load

    if since is None or since >= version:
        return []
    root = schemas_root(policy, where)
    try:
        changes = diff(load(policy.schema_name, since, root), load(policy.schema_name, None, root))
    except UsageConsentError:
        changes = None
    return ["", f"Changed since v{since}, the version you were last shown:",
            *(changes.lines() if changes else ["  (the list of changes is not available)"])]


def _body(policy: Policy, record_dir: str) -> str:
    """The notice's body with ``{record_dir}`` replaced by where reports are kept."""
    return policy.notice.body.strip("\n").replace("{record_dir}", record_dir)


def render_short(policy: Policy, since: int | None = None, where: Locations | None = None) -> str:
    """The notice a user first sees: at most 15 lines of at most 100 columns (then, on a re-notice,
    what changed): what is collected and why, how to opt out, where every report is kept, and the
    command that prints the full notice."""
    import textwrap

    from usage_consent.policy._sources.config_file import config_target

    where = _where(policy, where)
    head, version = _head(policy, where)
    said = policy.notice.summary or _body(policy, where.display(where.records_root)).split("\n\n")[0]
    summary = textwrap.wrap(" ".join(said.split()), WIDTH)[:3]
    named = commands(policy)
    written = where.display(config_target(policy, where)[0])
    lines = [head, *summary,
             f"  Opt out for good:     {named['opt_out']}  (in {written})",
             f"  Opt out for one run:  {named['opt_out_run']}",
             f"  Local only:           {named['local']}",
             "Every report is kept, exactly as sent, under",
             f"  {where.display(where.records_root)}",
             f"See them: {named['records']}   Erase them, here and where sent: {named['forget']}",
             f"Everything collected, field by field: {named['notice']}"]
    return "\n".join(lines + _changes(policy, since, version, where)) + "\n"


def render(policy: Policy, since: int | None = None, where: Locations | None = None) -> str:
    """The full notice for the current schema version: every field with its description; with
    ``since``, what changed after that version."""
    from usage_consent.schemas._diff import fields
    from usage_consent.schemas._registry import load

    where = _where(policy, where)
    head, version = _head(policy, where)
    listed = fields(load(policy.schema_name, None, schemas_root(policy, where)))
    width = min(max(len(path) for path in listed), 34)
    lines = [head, "", _body(policy, where.records_root), "",
             f"What is collected ({policy.schema_name} v{version}):"]
    lines += [f"  {path.ljust(width)}  {description}" for path, (description, _) in listed.items()]
    return "\n".join(lines + _changes(policy, since, version, where)) + "\n"


def show(policy: Policy, how: str, stream: TextIO | None = None, state: NoticeState | None = None,
         context: Context | None = None) -> NoticeState:
    """Print the notice (to stderr by default) and record that it was shown.

    From ``decide()`` (``how="decide"``) it is shown and recorded under the state file's lock,
    waited for at most TRANSFER_LOCK_WAIT_S (LockBusy then: the caller decides off), and only if
    no concurrent first run recorded it meanwhile. ``init`` always shows it. A state file that
    cannot be written does not stop the notice (a warning says it was not recorded). ``state``: the
    notice's state as the caller has read it (Decision.notice), else it is read here; ``context``:
    the decision's (its locations: the state file, the records folder the notice names). Returns
    it, with ``shown`` set when it was shown now."""
    from usage_consent._files.atomic import TRANSFER_LOCK_WAIT_S, LockBusy
    from usage_consent.schemas._registry import schema_fingerprint

    where = _where(policy, context.locations if context is not None else None)
    before = state if state is not None else status(policy, where=where)
    if not policy.notice.enabled:
        return before
    text = render_short(policy, before.shown_version, where)
    version = before.current_version
    out = stream or sys.stderr
    printed: list[bool] = []

    def write(_: object = None) -> None:
        out.write(text)
        out.flush()
        printed.append(True)

    try:
        fingerprint = schema_fingerprint(policy.schema_name, version, schemas_root(policy, where))
        file = StateFile(where.state_file, where)
        if how == "decide":
            shown = file.record_notice(policy.schema_name, version, fingerprint, how, show=write,
                                       wait=TRANSFER_LOCK_WAIT_S)
            why = "shown now" if shown else "shown by a concurrent run"
            return before.replace(due=False, shown=shown, why=why)
        write()
        file.record_notice(policy.schema_name, version, fingerprint, how)
    except LockBusy:
        raise  # another run is recording it: this one collects nothing (decide() says off)
    except (OSError, UsageConsentError) as error:
        if not printed:
            write()  # the state cannot be written (e.g. an unwritable home): shown all the same
        log.warning("the notice was shown but could not be recorded: %s", error)
    return before.replace(due=False, shown=True, why="shown now")

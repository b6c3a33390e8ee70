"""One run's context: the policy, the run configuration and the map of locations, built once by
decide() and carried by the Decision to the session, so nothing looks HOME or TMPDIR up twice.

The policy is the locations' own (``Locations.policy``), loaded on first use when the decision
was answered from the memo (policy/_cache.py): such a decision needs no pydantic until something
asks for the policy itself, and a session needs none for its report: it reads the plain values
of ``settings`` (usage_consent/_report_settings.py). A full resolution of the embedded policy reads
its plain view (``view``, policy/_plain.py) and builds the model only when ``policy`` is asked for."""

from __future__ import annotations

from usage_consent._frozen import Frozen

TYPE_CHECKING = False  # not typing's: a cold decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from usage_consent._locations import Locations
    from usage_consent._report_settings import ReportSettings
    from usage_consent._run import RunConfig
    from usage_consent.policy._model import Policy

__all__ = ["Context"]


class Context(Frozen):
    """The run configuration and the locations of one resolution; ``policy`` is the locations'."""

    __slots__ = ("locations", "run")
    run: RunConfig
    locations: Locations

    def __init__(self, run: RunConfig, locations: Locations) -> None:
        self._set(run=run, locations=locations)

    @property
    def policy(self) -> Policy:
        """The policy (loaded now if the decision came from the memo)."""
        return self.locations.policy

    @property
    def view(self) -> Policy:
        """The policy as the sources read it: the locations' (the embedded policy's plain view on a
        full resolution of it, else the policy). ``Locations.view``, written out: read several
        times on every miss."""
        locations = self.locations
        return locations._view if locations._view is not None else locations.policy

    @property
    def settings(self) -> ReportSettings:
        """The policy's values a session reads, as plain values (the memo's when it answered)."""
        return self.locations.settings

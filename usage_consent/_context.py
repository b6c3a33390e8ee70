"""One run's context: the policy, the run configuration and the map of locations, built once by
decide() and carried by the Decision to the session, so nothing looks HOME or TMPDIR up twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from usage_consent._locations import Locations
    from usage_consent._run import RunConfig
    from usage_consent.policy._model import Policy

__all__ = ["Context"]


@dataclass(frozen=True, slots=True)
class Context:
    policy: Policy
    run: RunConfig
    locations: Locations

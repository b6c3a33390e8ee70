"""A CI runner or container build: one of the CI variables set (not empty, 0 or false) decides
the source's value, "off" or "local", for this run only (no notice, no state file)."""

from __future__ import annotations

import os

from usage_consent.policy.decision import Layer
from usage_consent.policy.model import CiSource, Policy, strip_blanks
from usage_consent.policy.sources.base import ConsentSource, clip
from usage_consent.policy.sources.do_not_track import NOT_A_REQUEST

__all__ = ["CiConsentSource"]


class CiConsentSource(ConsentSource):
    kind = "ci"
    spec: CiSource

    @classmethod
    def watches(cls, policy: Policy, spec: CiSource) -> tuple[tuple[str, str], ...]:
        return tuple(("env", name) for name in spec.variables)

    def read(self) -> Layer:
        for name in self.spec.variables:
            raw = os.environ.get(name)
            if raw is not None and strip_blanks(raw).lower() not in NOT_A_REQUEST:
                return self._layer(f"${name}", clip(raw), self.spec.value)
        more = len(self.spec.variables) - 1
        return self._layer(f"${self.spec.variables[0]}" + (f" and {more} more" if more else ""), None, None)

"""The DO_NOT_TRACK convention (https://consoledonottrack.com): it can only turn collection off."""

from __future__ import annotations

import os

from usage_consent.policy.decision import Layer
from usage_consent.policy.model import DoNotTrackSource, Policy, strip_blanks
from usage_consent.policy.sources.base import ConsentSource, clip

__all__ = ["NOT_A_REQUEST", "DoNotTrackConsentSource"]

NOT_A_REQUEST = ("", "0", "false")


class DoNotTrackConsentSource(ConsentSource):
    kind = "do_not_track"
    spec: DoNotTrackSource

    @classmethod
    def watches(cls, policy: Policy, spec: DoNotTrackSource) -> tuple[tuple[str, str], ...]:
        return (("env", spec.variable),)

    def read(self) -> Layer:
        raw = os.environ.get(self.spec.variable)
        location = f"${self.spec.variable}"
        if raw is None or strip_blanks(raw).lower() in NOT_A_REQUEST:
            return self._layer(location, raw, None)
        return self._layer(location, clip(raw), "off")

"""An environment variable spelled with the policy's spellings; empty or blank is unset."""

from __future__ import annotations

import os

from usage_consent.policy.decision import Layer
from usage_consent.policy.model import EnvSource, Policy
from usage_consent.policy.sources.base import ConsentSource, clip


class EnvConsentSource(ConsentSource):
    kind = "env"
    spec: EnvSource

    @classmethod
    def watches(cls, policy: Policy, spec: EnvSource) -> tuple[tuple[str, str], ...]:
        return (("env", spec.variable),)

    def read(self) -> Layer:
        variable = self.spec.variable
        raw = os.environ.get(variable)
        location = f"${variable}"
        if raw is None or not raw.strip():
            return self._layer(location, raw, None)
        mode = self.policy.spellings.parse(raw)
        if mode is None:
            accepted = self.policy.spellings.accepted()
            reason = f"${variable} must be one of {accepted}; got {clip(raw)!r}"
            return self._layer(location, clip(raw), None, reason, invalid=True)
        return self._layer(location, raw, mode)

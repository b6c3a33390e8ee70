"""An environment variable spelled with the policy's (or its own) spellings.

By default only ASCII spaces and tabs around the value are removed, it is compared in any ASCII
case, and an empty value is unset; ``strip = false`` compares it exactly, ``empty = "invalid"``
makes an empty value invalid.
"""

from __future__ import annotations

import os

from usage_consent.policy.decision import Layer
from usage_consent.policy.model import EnvSource, Policy, strip_blanks
from usage_consent.policy.sources.base import ConsentSource, clip

__all__ = ["EnvConsentSource"]


class EnvConsentSource(ConsentSource):
    kind = "env"
    spec: EnvSource

    @classmethod
    def watches(cls, policy: Policy, spec: EnvSource) -> tuple[tuple[str, str], ...]:
        return (("env", spec.variable),)

    def read(self) -> Layer:
        spec = self.spec
        raw = os.environ.get(spec.variable)
        location = f"${spec.variable}"
        if raw is None:
            return self._layer(location, raw, None)
        spellings = spec.spellings or self.policy.spellings
        empty = raw == "" if not spec.strip else not strip_blanks(raw)
        mode = None if empty else spellings.parse(raw, exact=not spec.strip)
        if empty and spec.empty == "unset":
            return self._layer(location, raw, None)
        if mode is None:
            accepted = spellings.accepted() + ("" if spec.strip else " (exactly)")
            reason = f"${spec.variable} must be one of {accepted}; got {clip(raw)!r}"
            return self._invalid(location, clip(raw), reason, path=location, key=spec.variable, value=raw,
                                 accepted=accepted)
        return self._layer(location, raw, mode)

"""The policy's own value, used when no source above has one."""

from __future__ import annotations

from usage_consent.policy.decision import Layer
from usage_consent.policy.model import DefaultSource
from usage_consent.policy.sources.base import ConsentSource

__all__ = ["DefaultConsentSource"]


class DefaultConsentSource(ConsentSource):
    kind = "default"
    spec: DefaultSource

    def read(self) -> Layer:
        return self._layer("policy", self.spec.value, self.spec.value)

"""An administrator's machine-wide file: a ceiling on what the user's sources may turn on.

``off`` decides off whatever the other sources say; ``local`` lets them decide but turns ``on``
into ``local``; ``on`` or no value changes nothing. A file that cannot be read, or holds a value
that is not accepted, fails closed: off.
"""

from __future__ import annotations

from typing import Any

from usage_consent.policy.model import ManagedSource
from usage_consent.policy.sources.config_file import ConfigFileConsentSource

__all__ = ["ManagedConsentSource"]


class ManagedConsentSource(ConfigFileConsentSource):
    kind = "managed"
    spec: ManagedSource  # type: ignore[assignment]

    def offer(self, layer: Any) -> dict[str, Any]:
        if layer.status == "invalid" or layer.value == "off":
            return {"mode": "off", "decided_by": self.spec.name}
        if layer.value == "local":
            return {"ceiling": "local", "ceiling_by": self.spec.name}
        return {}

"""Off while the user has not been shown the notice for the current schema version."""

from __future__ import annotations

import os
from pathlib import Path

from usage_consent.errors import UsageConsentError
from usage_consent.locations import display, expand
from usage_consent.policy.decision import Layer
from usage_consent.policy.model import NoticeSource, Policy
from usage_consent.policy.sources.base import ConsentSource
from usage_consent.policy.state import StateFile
from usage_consent.schemas.versions import current_version


class NoticeConsentSource(ConsentSource):
    kind = "notice"
    spec: NoticeSource

    @classmethod
    def watches(cls, policy: Policy, spec: NoticeSource) -> tuple[tuple[str, str], ...]:
        state = (("file", policy.state_file),)
        if policy.schemas_dir:  # a host's own schemas can gain a version while we run
            return (*state, ("file", os.path.join(policy.schemas_dir, policy.schema_name)))
        return state

    def read(self) -> Layer:
        path = expand(self.policy.state_file)
        name = self.policy.schema_name
        if not self.policy.notice.enabled:
            return self._layer("policy: notice.enabled", "false", None, "the policy shows no notice")
        try:
            current = current_version(name, Path(expand(self.policy.schemas_dir)) if self.policy.schemas_dir else None)
            shown = StateFile(path).shown_version(name)
        except UsageConsentError as error:
            location = f"{display(path)}: {name}"
            reason = f"{error.message}; the notice counts as not shown"
            return self._invalid(location, None, reason, path=path, key=name)
        location = f"{display(path)}: {name} v{current}"
        if shown is not None and shown >= current:
            return self._layer(location, f"shown v{shown}", None)
        return self._layer(location, "pending", "off")

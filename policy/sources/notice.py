"""Off while the user has not been shown the notice for the current schema version."""

from __future__ import annotations

from typing import Any

from usage_consent.errors import UsageConsentError
from usage_consent.locations import display, locations
from usage_consent.policy.decision import Layer
from usage_consent.policy.model import NoticeSource, Policy
from usage_consent.policy.notice_state import NoticeState, notice_state, notice_watches
from usage_consent.policy.sources.base import ConsentSource
from usage_consent.policy.state import StateFile

__all__ = ["NoticeConsentSource"]


class NoticeConsentSource(ConsentSource):
    kind = "notice"
    spec: NoticeSource
    state: NoticeState | None = None  # what the notice rule made of the state file read here
    state_path = ""

    @classmethod
    def watches(cls, policy: Policy, spec: NoticeSource) -> tuple[tuple[str, str], ...]:
        return notice_watches(policy)

    def read(self) -> Layer:
        path = self.state_path = locations(self.policy).state_file
        name = self.policy.schema_name
        if not self.policy.notice.enabled:
            return self._layer("policy: notice.enabled", "false", None, "the policy shows no notice")
        try:
            state = self.state = notice_state(self.policy, StateFile(path).read_cached())
        except UsageConsentError as error:
            location = f"{display(path)}: {name}"
            reason = f"{error.message}; the notice counts as not shown"
            return self._invalid(location, None, reason, path=path, key=name)
        location = f"{display(path)}: {name} v{state.current_version}"
        if not state.due:
            return self._layer(location, f"shown v{state.shown_version}", None)
        return self._layer(location, "pending", "off")

    def __call__(self) -> dict[str, Any]:
        offered = super().__call__()
        if self.state is not None:  # Decision.notice, from this one read
            offered["files"] = {self.state_path: self.state}
        return offered

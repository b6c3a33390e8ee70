"""One pydantic-settings source per source kind, looked up by the kind a policy names."""

from usage_consent.policy.sources.base import ConsentSource
from usage_consent.policy.sources.ci import CiConsentSource
from usage_consent.policy.sources.config_file import ConfigFileConsentSource
from usage_consent.policy.sources.default import DefaultConsentSource
from usage_consent.policy.sources.do_not_track import DoNotTrackConsentSource
from usage_consent.policy.sources.env import EnvConsentSource
from usage_consent.policy.sources.managed import ManagedConsentSource
from usage_consent.policy.sources.notice import NoticeConsentSource

SOURCE_CLASSES: dict[str, type[ConsentSource]] = {
    cls.kind: cls
    for cls in (
        EnvConsentSource,
        DoNotTrackConsentSource,
        ConfigFileConsentSource,
        CiConsentSource,
        ManagedConsentSource,
        NoticeConsentSource,
        DefaultConsentSource,
    )
}

__all__ = ["SOURCE_CLASSES", "ConsentSource"]

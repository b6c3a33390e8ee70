"""usage-consent: decide, before each transfer, whether anonymous usage statistics may be collected.

    import usage_consent

    decision = usage_consent.decide()                       # before each transfer
    with usage_consent.start_session(decision, command="cp", tool_version="0.3.2") as session:
        ...                                                 # the transfer
        session.report(stats={...}, options={...})

``import usage_consent`` loads neither pydantic, jsonschema nor requests: each name below is
imported on first use (module ``__getattr__``), so a host's ``--help`` pays nothing.
"""

from __future__ import annotations

from usage_consent.errors import (
    ConfigFileError,
    ConsentValueError,
    PolicyError,
    ReportError,
    ReportInvalid,
    SchemaError,
    UsageConsentError,
)

TYPE_CHECKING = False  # not typing's: importing typing costs a bare import 7 ms
if TYPE_CHECKING:
    from usage_consent._run import RunConfig
    from usage_consent.policy import (
        Decision,
        FileChange,
        Policy,
        decide,
        embedded_policy,
        explain,
        load_policy,
        remove_consent,
        set_consent,
        write_consent,
    )
    from usage_consent.reporter import Session, start_session, validate_report
    from usage_consent.schemas._base_report import BaseReport

_LAZY = {
    "BaseReport": "usage_consent.schemas._base_report",
    "decide": "usage_consent.policy",
    "explain": "usage_consent.policy",
    "write_consent": "usage_consent.policy",
    "load_policy": "usage_consent.policy",
    "embedded_policy": "usage_consent.policy",
    "Decision": "usage_consent.policy",
    "Policy": "usage_consent.policy",
    "RunConfig": "usage_consent._run",
    "set_consent": "usage_consent.policy",
    "remove_consent": "usage_consent.policy",
    "FileChange": "usage_consent.policy",
    "start_session": "usage_consent.reporter",
    "validate_report": "usage_consent.reporter",
    "Session": "usage_consent.reporter",
}


def __getattr__(name: str) -> object:
    """The public names load their module on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'usage_consent' has no attribute {name!r}")
    value = getattr(__import__(module, fromlist=[name]), name)  # not importlib's: it costs a cold start
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "BaseReport",
    "ConfigFileError",
    "ConsentValueError",
    "Decision",
    "FileChange",
    "Policy",
    "PolicyError",
    "ReportError",
    "ReportInvalid",
    "RunConfig",
    "SchemaError",
    "Session",
    "UsageConsentError",
    "decide",
    "embedded_policy",
    "explain",
    "load_policy",
    "remove_consent",
    "set_consent",
    "start_session",
    "validate_report",
    "write_consent",
]

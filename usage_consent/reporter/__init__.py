"""The session around a transfer: build, validate, record locally, send in the background.

    from usage_consent.policy import decide
    from usage_consent.reporter import start_session

    session = start_session(decide(), command="cp", tool_version="0.3.2")
    with session:                       # an exception is reported (class and stage), then re-raised
        ...                             # the transfer
        session.report(stats={...}, source={...}, destinations=[{...}], options={...})

    validate_report({...})              # in the host's tests: every problem with its JSON path
"""

from usage_consent.reporter._payload import validate_report
from usage_consent.reporter._session import Session, start_session
from usage_consent.reporter._worker import wait

__all__ = ["Session", "start_session", "validate_report", "wait"]

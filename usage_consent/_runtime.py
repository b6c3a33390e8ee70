"""Process-wide switches that the testing helper (``usage_consent.testing``) turns on.

- ``loopback_only``: no connection is opened to an endpoint outside 127.0.0.0/8 or ::1, whatever
  the policy or the config file says. Also on in every process whose environment has
  ``USAGE_CONSENT_LOOPBACK_ONLY=1`` (the pytest plugin sets it, so the commands a test runs in a
  subprocess are held to it too).
- ``strict_reports``: ``session.report()`` validates on the calling thread and raises
  ``ReportInvalid`` unless the call says ``strict=False``.
"""

from __future__ import annotations

import os

LOOPBACK_ENV = "USAGE_CONSENT_LOOPBACK_ONLY"
loopback_only = False
strict_reports = False


def loopback_guard_on() -> bool:
    return loopback_only or os.environ.get(LOOPBACK_ENV) == "1"


def loopback_problem(host: str | None) -> str | None:
    """Why the guard refuses ``host`` (None when the guard is off or the host is a loopback address)."""
    if not loopback_guard_on():
        return None
    import ipaddress

    try:
        if ipaddress.ip_address((host or "").strip("[]")).is_loopback:
            return None
    except ValueError:
        pass
    return (f"refused: {host!r} is not 127.0.0.0/8 or ::1, and usage_consent.testing allows no other "
            f"connection (pytest plugin loaded, or {LOOPBACK_ENV}=1)")


__all__ = ["LOOPBACK_ENV", "loopback_guard_on", "loopback_only", "loopback_problem", "strict_reports"]

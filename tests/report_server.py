"""The tests' report server lives in the package now (``usage_consent.testing._server``)."""

from usage_consent.testing._server import ReportServer, refused_url

__all__ = ["ReportServer", "refused_url"]

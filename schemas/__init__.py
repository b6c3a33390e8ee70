"""Versioned usage-stats schemas and the exception hierarchy.

Importing this package loads nothing heavy: ``jsonschema`` is imported only when a
payload is validated.
"""

from usage_consent.schemas.errors import (
    ConfigFileError,
    ConsentValueError,
    PolicyError,
    ReportError,
    ReportInvalid,
    SchemaError,
    UsageConsentError,
)

__all__ = [
    "ConfigFileError",
    "ConsentValueError",
    "PolicyError",
    "ReportError",
    "ReportInvalid",
    "SchemaError",
    "UsageConsentError",
]

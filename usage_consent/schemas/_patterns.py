"""Patterns the schemas and the library both check, written once (no pydantic, no jsonschema)."""

from __future__ import annotations

__all__ = ["UUID4_PATTERN"]

UUID4_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"

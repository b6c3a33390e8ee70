"""Versioned usage-stats schemas: the JSON files, their registry, the model they are built from
and the release check. The project's errors live in ``usage_consent.errors``.

Importing this package loads nothing heavy: ``jsonschema`` is imported only when a
payload is validated.
"""

__all__: list[str] = []

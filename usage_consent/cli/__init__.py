"""The ``usage-consent`` command: the only place that imports policy, schemas and reporter."""

__all__: list[str] = []

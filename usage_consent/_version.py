"""The package's version, written once: pyproject.toml reads it (``[tool.setuptools.dynamic]``), and
the decision memo is keyed by it (policy/_cache.py) without importing importlib.metadata."""

VERSION = "0.1.0"

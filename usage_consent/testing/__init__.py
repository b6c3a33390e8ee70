"""Helpers for a host's tests (and usage-consent's own): a sandboxed HOME with a loopback collector.

Installed as a pytest plugin (entry point ``pytest11``): in any pytest run the library opens no
connection outside 127.0.0.0/8 or ::1, and the fixture ``usage_stats_sandbox`` gives a test

- an isolated HOME and TMPDIR (for the test's process, the commands it runs, and the library's
  records and caches), with the policy's consent variables unset;
- a loopback collector (a real HTTP server on 127.0.0.1): ``.url``, and ``.reports`` (the JSON
  bodies received, parsed); the consent value (on) and the collector's URL written into the
  policy's writable config file, in its format (JSON, INI or TOML) and section; the notice already
  shown and recorded. A policy under which the sandbox would not send to its collector fails at
  once, saying which source decides;
- strict reports: ``session.report()`` raises ``ReportInvalid`` for a report that breaks the schema.

A host's policy: ``usage_consent_policy = path/to/policy.toml`` in its pytest configuration.
Outside pytest (a benchmark, a script): ``with usage_consent.testing.sandbox() as box: ...``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from usage_consent.testing._sandboxes import Sandbox, isolated_home, sandbox


def __getattr__(name: str) -> object:
    """Loaded on first use: the plugin (in every pytest run) does not pay for the HTTP server."""
    if name in __all__:
        from importlib import import_module

        module = import_module("usage_consent.testing._sandboxes")
        globals().update((public, getattr(module, public)) for public in __all__)
        return globals()[name]
    raise AttributeError(f"module 'usage_consent.testing' has no attribute {name!r}")


__all__ = ["Sandbox", "isolated_home", "sandbox"]

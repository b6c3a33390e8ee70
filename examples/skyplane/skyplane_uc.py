"""Run the unmodified Skyplane 0.3.2 with usage-consent: ``python skyplane_uc.py ARGS...``.

It changes no installed file. It installs hooks into Skyplane's modules at run time, then runs
Skyplane's own Typer app with the same arguments, so every command behaves as before except:

- ``skyplane cp`` / ``sync``: the consent decision is taken once before the transfer (the
  notice, when due, is printed first), and after it exactly one report (success or failure:
  the error's class and stage, never its message) goes through ``start_session``/``report``.
- Skyplane's ``UsageClient`` never builds its own report, never reads or writes its
  MAC-derived ``host_uuid`` id for it, and never POSTs to its Loki server.
- ``skyplane init``: the notice is shown and recorded first (as a first transfer would show it),
  so Skyplane's own line about usage stats says the real state.
- ``skyplane usage ...``: the library's mounted commands (``init`` among them);
  ``skyplane config get/set usage_stats`` run ``usage get/set``, which under the ``skyplane-0.3``
  policy write Skyplane 0.3.2's own INI file, ``~/.skyplane/config`` (or ``$SKYPLANE_CONFIG``),
  ``[flags] usage_stats``, so that Skyplane's own reader sees the same value;
  ``~/.skyplane/config.json`` is read above it, never written.
"""

import os
import sys

# This folder on sys.path for the hooks' modules: run as a script it is sys.path[0] already (a second
# entry would cost every later import a look), imported or run from elsewhere it may not be.
_HERE = os.path.dirname(os.path.realpath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
from skyplane_hooks import SUPPORTED, install, main  # noqa: E402 - after the path is set

__all__ = ["SUPPORTED", "install", "main"]

if __name__ == "__main__":
    main()

"""``usage-consent collector serve``: the application under uvicorn (HTTP/1.1 with the request
timeout of ``_timeouts``), after bringing the database up to date. The line
``usage-consent collector: listening on http://HOST:PORT`` goes to stderr once it accepts
connections (with ``--port 0``, the port the system chose)."""

from __future__ import annotations

import socket
import sys

import uvicorn

from usage_consent.collector._app import create_app
from usage_consent.collector._settings import CollectorSettings
from usage_consent.collector._timeouts import timed_protocol

__all__ = ["serve", "server"]


class _Server(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.servers:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            print(f"usage-consent collector: listening on http://{host}:{port}", file=sys.stderr, flush=True)


def server(settings: CollectorSettings, log_level: str = "warning") -> uvicorn.Server:
    config = uvicorn.Config(create_app(settings), host=settings.host, port=settings.port,
                            http=timed_protocol(settings.request_timeout_s),
                            timeout_keep_alive=int(settings.keep_alive_s),
                            log_level=log_level, access_log=False, lifespan="on", server_header=False)
    return _Server(config)


def serve(settings: CollectorSettings) -> int:
    """Serve until interrupted (SIGINT or SIGTERM); 0 on a clean stop, 1 when it could not start."""
    running = server(settings)
    running.run()
    return 0 if running.started else 1

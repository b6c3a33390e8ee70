"""A total bound on one send: requests' read timeout applies to each read, so a server that
trickles one byte at a time could hold a send for ever. Every connection a send uses is
watched; when the send's deadline passes, a timer shuts those sockets down, and the blocked
read returns at once with an error (the send is then ``failed`` and kept pending).

Which connections a thread's send uses is kept in a ``threading.local`` the caller owns (the
process's ``Sender``): this module holds no state."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["bounded", "watched_session"]


def _watch(local: threading.local, conn: Any) -> Any:
    watched = getattr(local, "watched", None)
    if watched is not None:
        watched.append(conn)
    return conn


def _pool_classes(local: threading.local) -> dict[str, type]:
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class WatchedHTTP(HTTPConnectionPool):
        def _get_conn(self, timeout: float | None = None) -> Any:
            return _watch(local, super()._get_conn(timeout))

    class WatchedHTTPS(HTTPSConnectionPool):
        def _get_conn(self, timeout: float | None = None) -> Any:
            return _watch(local, super()._get_conn(timeout))

    return {"http": WatchedHTTP, "https": WatchedHTTPS}


def watched_session(requests: Any, local: threading.local) -> Any:
    """A requests session whose connections (direct or through a proxy) can be cut by ``bounded``
    called with the same ``local``."""
    classes = _pool_classes(local)

    class WatchedAdapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = classes

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **kwargs)
            manager.pool_classes_by_scheme = classes
            return manager

    http = requests.Session()
    for prefix in ("http://", "https://"):
        http.mount(prefix, WatchedAdapter(max_retries=0))
    return http


def _cut(connections: list[Any], expired: threading.Event) -> None:
    import socket  # here: a report that is only recorded never loads it

    expired.set()
    for conn in list(connections):
        sock = getattr(conn, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def bounded(seconds: float, local: threading.local) -> Iterator[threading.Event]:
    """Within this block, the connections this thread uses (through a session made by
    ``watched_session`` with this ``local``) are shut down after ``seconds``; the event yielded
    is set when that happened."""
    connections: list[Any] = []
    expired = threading.Event()
    local.watched = connections
    timer = threading.Timer(seconds, _cut, (connections, expired))
    timer.daemon = True
    timer.start()
    try:
        yield expired
    finally:
        timer.cancel()
        local.watched = None

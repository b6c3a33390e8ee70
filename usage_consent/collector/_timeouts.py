"""Slow clients: every request must arrive whole — headers and body — within
``request_timeout_s`` of its connection opening (or of the previous answer on a kept-alive
connection), else the connection is cut. uvicorn's own timeouts cover idle kept-alive
connections only; a client trickling one byte a second would otherwise hold a connection for ever."""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["timed_protocol"]


class _TimedH11(H11Protocol):
    request_timeout_s = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.request_timeout_s, self._cut_if_incomplete)

    def _cut_if_incomplete(self) -> None:
        """Cut the connection unless its request arrived whole (its answer is being worked out)."""
        cycle = self.cycle
        waiting = cycle is None or cycle.response_complete or cycle.more_body
        if waiting and not self.transport.is_closing():
            if cycle is not None and not cycle.response_complete:
                cycle.disconnected = True
                cycle.message_event.set()
            self.transport.close()


def timed_protocol(request_timeout_s: float) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol with this request timeout."""
    return type("TimedH11Protocol", (_TimedH11,), {"request_timeout_s": request_timeout_s})

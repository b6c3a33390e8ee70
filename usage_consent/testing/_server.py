"""A real HTTP server on 127.0.0.1 that collects reports and counts every connection: the loopback
collector of ``usage_stats_sandbox``, and of usage-consent's own tests and benchmarks."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time

TRICKLE_S = 0.1


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        server: ReportServer = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server.received.append((self.path, self.headers.get("Content-Type"), body))
        behaviour = server.behaviour
        if behaviour == "never":
            server.release.wait(30)
            return
        if behaviour.startswith("trickle"):
            self._trickle(server, head=behaviour == "trickle-head")
            return
        if behaviour == "redirect":
            self._answer(302, b"", {"Location": f"http://127.0.0.2:{server.server_port}/elsewhere"})
        elif behaviour == "redirect-same":
            if self.path == "/moved":
                self._answer(200, b"{}")
            else:
                self._answer(307, b"", {"Location": "/moved"})
        elif behaviour == "huge":
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 30))
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(1 << 14):
                    if server.release.is_set():
                        break
                    self.wfile.write(chunk)
            except OSError:
                pass
        else:
            self._answer(int(behaviour), b'{"ok": true}')

    def _trickle(self, server: ReportServer, head: bool) -> None:
        """One byte every TRICKLE_S: of the status line and headers (``trickle-head``), or of an
        endless body after prompt headers (``trickle-body``); each byte is a separate read."""
        if not head:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        stream = iter(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000) if head else iter(lambda: 120, None)
        try:
            for byte in stream:
                if server.release.wait(TRICKLE_S):
                    break
                self.wfile.write(bytes((byte,)))
                self.wfile.flush()
        except OSError:
            pass

    def _answer(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ReportServer(http.server.ThreadingHTTPServer):
    """Answers each POST as ``behaviour`` says: a status code (\"200\"), never, redirect, redirect-same,
    huge, or trickle-head / trickle-body (one byte every TRICKLE_S, for ever)."""

    daemon_threads = True

    def __init__(self, behaviour: str = "200") -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.behaviour = behaviour
        self.received: list[tuple[str, str | None, bytes]] = []
        self.connections = 0
        self.release = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def get_request(self) -> tuple[socket.socket, object]:
        request = super().get_request()
        request[0].setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no delayed-ACK stall per POST
        self.connections += 1
        return request

    @property
    def reports(self) -> list:
        """The JSON bodies received so far, parsed, oldest first."""
        return [json.loads(body) for _, _, body in list(self.received)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/report"

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


def refused_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/report"


__all__ = ["ReportServer", "refused_url"]

if __name__ == "__main__":
    # `python -m usage_consent.testing._server BEHAVIOUR`: serve in a process of its own (so that a
    # benchmark's host does not share its interpreter with the server), print the URL, and stop
    # when standard input closes.
    import sys

    running = ReportServer(sys.argv[1] if len(sys.argv) > 1 else "200")
    print(running.url, flush=True)
    sys.stdin.read()
    running.stop()

"""The only code that opens a connection. It refuses unless the decision allows sending
(``decision.send_allowed``) to this endpoint, and, while ``usage_consent.testing`` is loaded, unless
the endpoint is a loopback address; one send (connect, redirects and the whole answer) never
takes longer than ``connect_timeout_s + read_timeout_s`` whatever the server trickles; it follows
no redirect to another host and reads at most a small part of any answer.

Proxies: a plain-http send (loopback only) never goes through a proxy; an https send uses the
environment's proxy (HTTPS_PROXY, NO_PROXY), as other https clients on the machine do. No
.netrc credentials are attached. While the loopback guard of ``usage_consent.testing`` is on, a
proxy outside 127.0.0.0/8 or ::1 is refused like such an endpoint. An endpoint that timed out or
refused is rested for REST_S seconds in this process: later reports to it stay pending at once
instead of waiting again.

The state of sending (HTTP sessions per thread, resting endpoints, the reports tried) is one
``Sender``, held by the process's reporter (``reporter/_process.py``)."""

from __future__ import annotations

import _thread
import time

from usage_consent import _runtime as runtime
from usage_consent._frozen import Frozen
from usage_consent._report_settings import settings_of
from usage_consent._run import current
from usage_consent.errors import ReportError

TYPE_CHECKING = False  # not typing's: a process that only records its report must not pay for it
if TYPE_CHECKING:
    import threading
    from typing import Any

    from usage_consent.policy import Decision, Policy
    from usage_consent.reporter._outcomes import SendOutcome

# urllib.parse and the deadline's module (threading) are imported where a send is made: a process that
# only records its report never loads them.

__all__ = ["HEADERS", "MAX_SAME_HOST_REDIRECTS", "REST_S", "Outcome", "Sender", "prepare_send", "send_deletion",
           "send_report"]

MAX_SAME_HOST_REDIRECTS = 2
HEADERS = {"Content-Type": "application/json", "User-Agent": "usage-consent"}
REST_S = 60.0


class Outcome(Frozen):
    """``sent`` (2xx), ``dropped`` (4xx, or a redirect elsewhere: not retried) or ``failed``
    (network error or 5xx: kept pending and retried by a later session). A ``Frozen`` value, not a
    dataclass: making a dataclass costs a session that only records its report ~2 ms."""

    __slots__ = ("code", "detail", "outcome")
    outcome: SendOutcome
    code: int | None
    detail: str

    def __init__(self, outcome: SendOutcome, code: int | None, detail: str) -> None:
        self._set(outcome=outcome, code=code, detail=detail)


def _origin(url: str) -> tuple[str, str | None, int | None]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def _read_bounded(response, limit: int) -> int:
    """Read at most ``limit`` bytes of the answer (the send's deadline cuts a slow one): a huge or
    endless body costs nothing more."""
    read = 0
    for chunk in response.iter_content(chunk_size=8192):
        read += len(chunk)
        if read >= limit:
            break
    return read


class Sender:
    """What sending remembers in one process: a requests session per sending thread (and run
    configuration), the connections the thread's send in progress uses (cut at its deadline), the
    endpoints resting after a network failure, and the pending reports already tried (each is
    tried at most once per process). A forked child gets a new one (see ``_process.py``)."""

    __slots__ = ("_resting", "_threads", "attempted")

    def __init__(self) -> None:
        self._threads = _thread._local()  # threading.local, without threading: .http: (factory, session); .watched
        self._resting: dict[str, float] = {}  # endpoint -> time.monotonic() until which it is not tried
        self.attempted: set[tuple[str, str]] = set()  # (client_id, session_id) tried in this process

    def http_session(self, requests: Any) -> Any:
        """One requests session per sending thread (and run configuration): kept-alive connections,
        less work per report."""
        factory = current().http_session
        made = getattr(self._threads, "http", None)
        if made is not None and made[0] is factory:
            return made[1]
        if factory is not None:
            http = factory()
        else:
            from usage_consent.reporter._deadline import watched_session

            http = watched_session(requests, self._threads)
            http.trust_env = False  # no .netrc credentials, no proxy for plain http (see _proxies)
        self._threads.http = (factory, http)
        return http

    def bounded(self, seconds: float) -> Any:
        """The deadline of one send on this thread (deadline.py)."""
        from usage_consent.reporter._deadline import bounded

        return bounded(seconds, self._threads)

    def resting(self, url: str) -> bool:
        """Whether ``url`` failed at the network level in the last REST_S seconds of this process."""
        until = self._resting.get(url)
        return until is not None and time.monotonic() < until

    def rest(self, url: str, outcome: Outcome) -> Outcome:
        """A network-level failure rests the endpoint for REST_S seconds in this process."""
        if outcome.outcome == "failed" and outcome.code is None:
            self._resting[url] = time.monotonic() + REST_S
        return outcome

    def first_try(self, client_id: str, session_id: str) -> bool:
        """True the first time this process tries a pending report (and remembers it)."""
        key = (client_id, session_id)
        if key in self.attempted:
            return False
        self.attempted.add(key)
        return True

    def send(self, decision: Decision, url: str, body: bytes) -> Outcome:
        return send_report(decision, url, body, self)


def _proxies(requests, url: str) -> dict[str, str]:
    """https: the environment's proxy for this host (NO_PROXY honoured); plain http: none."""
    from urllib.parse import urlsplit

    return requests.utils.get_environ_proxies(url) if urlsplit(url).scheme == "https" else {}


def prepare_send() -> None:
    """On the thread that starts a session that may send (never a lane's): import what a send imports
    of ours beyond this module (the deadline's watch, the endpoint check), so that the send lane's
    thread, which makes the send, imports none of our modules."""
    import usage_consent.policy._endpoints
    import usage_consent.reporter._deadline  # noqa: F401


def send_report(decision: Decision, url: str, body: bytes, sender: Sender | None = None) -> Outcome:
    """POST ``body`` (application/json) to ``url``; raises ReportError when not allowed to. The whole
    send, answer included, ends within connect_timeout_s + read_timeout_s (see deadline.py).
    ``sender``: whose sessions and resting endpoints to use (the process's by default)."""
    if not decision.send_allowed:
        raise ReportError(f"not sent: usage stats are {decision.mode}", layer="reporter", value=decision.mode)
    from usage_consent.policy._endpoints import endpoint_problem

    if url not in decision.endpoints or endpoint_problem(url):
        raise ReportError(f"not sent: {url!r} is not an endpoint this decision allows", layer="reporter", value=url)
    from urllib.parse import urlsplit

    import requests
    import urllib3

    if sender is None:
        from usage_consent.reporter._process import process

        sender = process().sender
    settings = settings_of(decision)  # plain values: no policy model is loaded to send
    timeouts = (settings.connect_timeout_s, settings.read_timeout_s)
    broken = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)
    http, target = sender.http_session(requests), url
    with sender.bounded(settings.connect_timeout_s + settings.read_timeout_s) as expired:
        for _ in range(MAX_SAME_HOST_REDIRECTS + 1):
            proxies = _proxies(requests, target)
            proxy = requests.utils.select_proxy(target, proxies)
            refused = runtime.loopback_problem(urlsplit(target).hostname) or (
                proxy and runtime.loopback_problem(urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname))
            if refused:
                return Outcome("dropped", None, f"{refused} (proxy {proxy})" if proxy else refused)
            try:
                response = http.post(target, data=body, timeout=timeouts, allow_redirects=False, stream=True,
                                     proxies=proxies, headers=HEADERS)
            except broken as error:
                return sender.rest(url, Outcome("failed", None, _why(expired, error)))
            try:
                outcome, target = _answered(response, url, target, settings.max_response_bytes, expired)
            except broken as error:
                return sender.rest(url, Outcome("failed", None, f"answer unreadable: {_why(expired, error)}"))
            if outcome is not None:
                return sender.rest(url, outcome)
    return Outcome("dropped", None, "too many redirects")


def _why(expired: threading.Event, error: BaseException) -> str:
    return "timed out: no whole answer within the bound" if expired.is_set() else type(error).__name__


def _answered(response, url: str, target: str, limit: int, expired: threading.Event) -> tuple[Outcome | None, str]:
    """The outcome of one answer, or (None, where a same-host redirect points) to follow it."""
    from urllib.parse import urljoin

    with response:
        code = response.status_code
        _read_bounded(response, limit)
        if expired.is_set():  # the cut may leave a truncated answer that still parses
            return Outcome("failed", None, "timed out: no whole answer within the bound"), target
        if response.is_redirect:
            location = urljoin(target, response.headers.get("location", ""))
            if _origin(location) != _origin(url):
                return Outcome("dropped", code, "redirect to another host not followed"), target
            return None, location
    if 200 <= code < 300:
        return Outcome("sent", code, "ok"), target
    if 400 <= code < 500:
        return Outcome("dropped", code, "rejected by the server"), target
    return Outcome("failed", code, "server error"), target


def send_deletion(policy: Policy, url: str, sender: Sender | None = None) -> tuple[Outcome, bytes]:
    """DELETE ``url`` (a collector's ``/clients/{client_id}``, for ``forget``): bounded like a report,
    no redirect followed, no proxy for plain http; returns the outcome and the start of the answer.
    ``sent``: 2xx; ``dropped``: any other answer (the caller tells 404/405 apart) or a refused URL;
    ``failed``: network error or 5xx, to retry later. ``sender``: as for send_report."""
    from usage_consent.policy._endpoints import endpoint_problem

    problem = endpoint_problem(url)
    if problem:
        return Outcome("dropped", None, f"not a usable URL: {problem}"), b""
    from urllib.parse import urlsplit

    import requests
    import urllib3

    if sender is None:
        from usage_consent.reporter._process import process

        sender = process().sender
    settings = policy.reporter
    broken = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)
    http = sender.http_session(requests)
    with sender.bounded(settings.connect_timeout_s + settings.read_timeout_s) as expired:
        proxies = _proxies(requests, url)
        proxy = requests.utils.select_proxy(url, proxies)
        refused = runtime.loopback_problem(urlsplit(url).hostname) or (
            proxy and runtime.loopback_problem(urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname))
        if refused:
            return Outcome("dropped", None, refused), b""
        try:
            response = http.delete(url, timeout=(settings.connect_timeout_s, settings.read_timeout_s),
                                   allow_redirects=False, stream=True, proxies=proxies, headers=HEADERS)
            with response:
                code, answer = response.status_code, response.raw.read(settings.max_response_bytes)
        except broken as error:
            return Outcome("failed", None, _why(expired, error)), b""
    if expired.is_set():
        return Outcome("failed", None, "timed out: no whole answer within the bound"), b""
    return _deletion_answered(code), answer


def _deletion_answered(code: int) -> Outcome:
    if 200 <= code < 300:
        return Outcome("sent", code, "ok")
    if code < 500 or code == 501:  # 501: the server implements no DELETE at all
        return Outcome("dropped", code, "refused by the server")
    return Outcome("failed", code, "server error")

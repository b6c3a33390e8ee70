"""Where reports go: the policy's endpoint, substituted or added to from the config file
(the enterprise case in the host's FAQ). Only https, or http to this machine (loopback)."""

from __future__ import annotations

from urllib.parse import urlsplit

from usage_consent._locations import display
from usage_consent._log import log

TYPE_CHECKING = False  # not typing's: a send after a memo hit checks its endpoint without the policy model
if TYPE_CHECKING:
    from usage_consent.policy._model import FileFormat, Policy

__all__ = ["MAX_URL", "endpoint_problem", "is_loopback", "redacted", "resolve_endpoints"]

MAX_URL = 2048


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redacted(url: object) -> object:
    """``url`` as it may be shown: a user name or password in it replaced by ``***``."""
    if not isinstance(url, str) or "@" not in url:
        return url
    scheme, sep, rest = url.partition("://")
    authority, slash, tail = rest.partition("/")
    if sep and "@" in authority:
        return f"{scheme}://***@{authority.rpartition('@')[2]}{slash}{tail}"
    return url


def endpoint_problem(url: object) -> str | None:
    """Why ``url`` may not receive reports, or None when it may."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        return f"must be a URL string of at most {MAX_URL} characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises for a bad port
    except ValueError as error:
        return f"is not a URL ({error})"
    if parts.username is not None or parts.password is not None:
        return "must not hold a user name or password (they would be sent and stored with every report)"
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and is_loopback(host):
        return None
    return "must be https:// (http:// only to 127.0.0.1, ::1 or localhost)"


def resolve_endpoints(policy: Policy, config: dict | None, config_path: str,
                      fmt: FileFormat = "json") -> tuple[str, ...]:
    """The endpoints in use; a bad one is left out with a warning (never sent to). ``config``: the
    table of the config file that holds the consent key (an INI section's keys are lowercase, and
    its additional endpoints one string of URLs separated by commas or blanks)."""
    settings = policy.reporter
    shown = display(config_path)
    chosen: list[str] = []
    primary = settings.endpoint
    endpoint_key, extra_key = settings.endpoint_key, settings.additional_endpoints_key
    if fmt == "ini":
        endpoint_key, extra_key = endpoint_key.lower(), extra_key.lower()
    if config and endpoint_key in config:
        primary = config[endpoint_key]
        where = f"{shown}: key {settings.endpoint_key!r}"
    else:
        where = "policy: reporter.endpoint"
    problem = None if primary is None else endpoint_problem(primary)
    if primary is None:
        pass  # the policy names no endpoint (and the config file none): nothing to send to
    elif problem:
        log.warning("%s %s; got %.80r; reports are not sent there", where, problem, redacted(primary))
    else:
        chosen.append(primary)
    extra = (config or {}).get(extra_key, [])
    if fmt == "ini" and isinstance(extra, str):
        extra = extra.replace(",", " ").split()
    if not isinstance(extra, list):
        log.warning("%s: key %r must be a list of URLs; got %.80r", shown, settings.additional_endpoints_key, extra)
        extra = []
    for url in extra:
        problem = endpoint_problem(url)
        if problem:
            log.warning("%s: key %r: %.80r %s", shown, settings.additional_endpoints_key, redacted(url), problem)
        elif url not in chosen:
            chosen.append(url)
    return tuple(chosen)

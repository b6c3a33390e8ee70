"""What one collector instance is told: its database, where it listens, which schemas it accepts
and its limits. One frozen value, built once by the command and carried by the application."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_DB", "CollectorSettings"]

DEFAULT_DB = "sqlite:///usage-collector.sqlite3"  # a file in the current folder


@dataclass(frozen=True)
class CollectorSettings:
    """``schema_name`` (in ``schemas_dir``): the released schemas reports are validated against (the policy's);
    ``max_body``: bytes of one request body; ``min_clients``: k of the map's k-anonymity;
    ``retain_days``: raw reports older than this are deleted; ``request_timeout_s``: a request must
    arrive whole (headers and body) within this, else its connection is cut;
    ``retention_interval_s``: how often the retention job runs."""

    db_url: str = DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = 8080
    schema_name: str = "usage_stats"
    schemas_dir: str | None = None  # a host's own schemas folder (the policy's); None: the packaged ones
    max_body: int = 1 << 20
    min_clients: int = 5
    retain_days: int = 365
    request_timeout_s: float = 10.0
    keep_alive_s: float = 5.0
    retention_interval_s: float = 3600.0
    default_days: int = 30

    def __post_init__(self) -> None:
        from usage_consent.errors import ConsentValueError

        checks = (("--max-body", self.max_body, 1), ("--min-clients", self.min_clients, 1),
                  ("--retain-days", self.retain_days, 1), ("--port", self.port, 0))
        for option, value, least in checks:
            if value < least:
                raise ConsentValueError(f"collector: {option} must be at least {least}; got {value}",
                                        layer="collector", key=option, value=value)
        if self.request_timeout_s <= 0:
            raise ConsentValueError(f"collector: the request timeout must be positive; got {self.request_timeout_s}",
                                    layer="collector", key="request_timeout_s", value=self.request_timeout_s)

"""The shapes of the collector's answers, for its OpenAPI description."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Accepted", "Deleted", "Health", "MapPair", "OpenMap", "Refused"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Accepted(_Frozen):
    """The report is stored (``stored``: now; false for a retry of a session stored before)."""

    status: str = "accepted"
    session_id: str
    stored: bool


class Refused(_Frozen):
    """Why a request was refused; ``problems`` lists every way a report breaks its schema."""

    error: str
    detail: str
    problems: list[str] | None = None


class Deleted(_Frozen):
    """How many stored reports of the client were deleted (0: never seen, or deleted before)."""

    deleted: int


class MapPair(_Frozen):
    source: str
    destination: str
    transfers: int
    clients: int
    throughput_gbits_median: float | None
    throughput_gbits_p90: float | None


class OpenMap(_Frozen):
    min_clients: int
    days: int
    pairs: list[MapPair]


class Health(_Frozen):
    status: str
    database: str
    revision: str | None

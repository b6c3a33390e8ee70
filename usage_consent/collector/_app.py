"""The collector's ASGI application (FastAPI): ingest, deletion, the open map, health and metrics.
Database work runs in the thread pool; one database (engine) per application."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from usage_consent.collector import _body, _ingest, _map, _retention, _tombstone
from usage_consent.collector._db import Database, connect
from usage_consent.collector._metrics import Metrics
from usage_consent.collector._migrate import current_revision, migrate
from usage_consent.collector._models import Accepted, Deleted, Health, OpenMap, Refused
from usage_consent.collector._settings import CollectorSettings
from usage_consent.errors import RequestRefused
from usage_consent.schemas._patterns import UUID4_PATTERN

__all__ = ["create_app"]

_PAGE = Path(__file__).resolve().parent / "map.html"
_REFUSALS: dict[int | str, dict[str, Any]] = {code: {"model": Refused, "description": what} for code, what in (
    (400, "not JSON"), (409, "session_id stored for another client"), (410, "the client was deleted"),
    (413, "body over --max-body"), (415, "Content-Type is not application/json"),
    (422, "breaks the released schema of its schema_version (or an unknown version)"),
    (503, "the database cannot be reached: retry later"))}
_DELETE_REFUSALS: dict[int | str, dict[str, Any]] = {
    422: {"model": Refused, "description": "the id is not a UUID4"},
    503: {"model": Refused, "description": "the database cannot be reached: retry later"}}


def _refused(app: FastAPI, refusal: RequestRefused) -> JSONResponse:
    """The refusal's answer; when the body was not read to its end (413, 415), the connection is
    closed after it, so the rest of the body is never received."""
    app.state.metrics.refuse(refusal.reason)
    unread = {"Connection": "close"} if refusal.status in (413, 415) else None
    return JSONResponse(refusal.answer(), status_code=refusal.status, headers=unread)


def _unavailable(app: FastAPI, error: SQLAlchemyError) -> JSONResponse:
    return _refused(app, RequestRefused(503, "database", f"database unavailable: {type(error).__name__}"))


def create_app(settings: CollectorSettings, db: Database | None = None) -> FastAPI:
    """The application; its database is migrated to the newest revision when it starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = db or connect(settings.db_url)
        await run_in_threadpool(migrate, app.state.db)
        app.state.salt = await run_in_threadpool(_tombstone.read_salt, app.state.db)
        job = asyncio.create_task(_retention.run_periodically(
            app.state.db, settings.retain_days, settings.retention_interval_s,
            lambda n: app.state.metrics.add("expired_reports", n)))
        try:
            yield
        finally:
            job.cancel()
            if db is None:
                app.state.db.dispose()

    app = FastAPI(title="usage-consent collector", version="1", lifespan=lifespan,
                  description="Accepts usage reports that match a released schema, deletes a client's "
                              "data on request, and publishes the open map of transfer throughput.")
    app.state.metrics = Metrics()
    app.state.settings = settings
    _add_writes(app, settings)
    _add_reads(app, settings)
    return app


def _add_writes(app: FastAPI, settings: CollectorSettings) -> None:
    """POST /v1/report and DELETE /v1/clients/{client_id}."""

    @app.post("/v1/report", response_model=Accepted, responses=_REFUSALS, openapi_extra={"requestBody": {
        "required": True, "content": {"application/json": {"schema": {
            "type": "object", "description": f"A report following a released version of the "
                                             f"{settings.schema_name} schema (its schema_version)."}}}}})
    async def post_report(request: Request) -> Any:
        """Store one report, validated against the released schema of its schema_version.
        A retry of a stored session_id is answered 200 like the first and stores nothing."""
        try:
            _body.check_content_type(request.headers.get("content-type"))
            raw = await _body.read_capped(request.headers.get("content-length"), request.stream(),
                                          settings.max_body)
            report = _body.parse_json(raw)
            version = _ingest.validate(report, settings.schema_name, settings.schemas_dir)
            stored = await run_in_threadpool(_ingest.store, app.state.db, app.state.salt, report, version)
        except RequestRefused as refusal:
            return _refused(app, refusal)
        except ClientDisconnect:
            app.state.metrics.refuse("disconnected")
            return PlainTextResponse("", status_code=400)
        except SQLAlchemyError as error:
            return _unavailable(app, error)
        app.state.metrics.add("accepted" if stored else "duplicates")
        return Accepted(session_id=report["session_id"], stored=stored)

    @app.delete("/v1/clients/{client_id}", response_model=Deleted, responses=_DELETE_REFUSALS)
    async def delete_client(client_id: str) -> Any:
        """Delete every stored report of this client and refuse its reports from now on (a
        salted-hash tombstone is kept, never the id)."""
        import re

        if not re.fullmatch(UUID4_PATTERN, client_id):
            return _refused(app, RequestRefused(422, "invalid", "a client id is a random UUID4",
                                                (f"client_id: not a UUID4: {client_id[:40]!r}",)))
        try:
            count = await run_in_threadpool(_tombstone.delete_client, app.state.db, app.state.salt, client_id)
        except SQLAlchemyError as error:
            return _unavailable(app, error)
        app.state.metrics.add("deletions")
        app.state.metrics.add("deleted_reports", count)
        return Deleted(deleted=count)


def _add_reads(app: FastAPI, settings: CollectorSettings) -> None:
    """The open map (JSON and page), health and metrics."""

    @app.get("/v1/map", response_model=OpenMap)
    async def get_map(days: int = Query(settings.default_days, ge=1, le=settings.retain_days)) -> Any:
        """Per source -> destination region over the last ``days``: transfers, distinct clients, median
        and 90th-percentile throughput; only pairs seen from at least min_clients distinct clients."""
        try:
            return await run_in_threadpool(_map.open_map, app.state.db, settings.min_clients, days)
        except SQLAlchemyError as error:
            return _unavailable(app, error)

    @app.get("/map", response_class=HTMLResponse)
    async def map_page() -> HTMLResponse:
        """The open map as a web page (a matrix and a table; everything served from here)."""
        return HTMLResponse(_PAGE.read_text(encoding="utf-8"))

    @app.get("/healthz", response_model=Health, responses={503: {"model": Health}})
    async def healthz() -> Any:
        """200 when the database answers."""
        def probe() -> str | None:
            with app.state.db.read() as conn:
                conn.execute(text("SELECT 1"))
            return current_revision(app.state.db)

        try:
            revision = await run_in_threadpool(probe)
        except SQLAlchemyError as error:
            return JSONResponse({"status": "unavailable", "database": type(error).__name__, "revision": None},
                                status_code=503)
        return Health(status="ok", database=app.state.db.dialect, revision=revision)

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        """Prometheus text: accepted, refused by reason, deleted, tombstones."""
        body = await run_in_threadpool(app.state.metrics.text, app.state.db)
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4")

"""The ASGI application: one FastAPI app with every surface mounted."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Route

from voxhub import __version__, logs
from voxhub.api import (
    auth,
    credentials,
    dataset_settings,
    datasets,
    datastores,
    disk_scan,
    docs,
    errors,
    folders,
    front,
    isa,
    jobs,
    openmsi,
    openmsi_client,
    people,
    properties,
    remote,
    remote_credentials,
    server_import,
    teams,
    trash,
    ui,
    uploads,
    zarr,
)
from voxhub.api.zarr_fast import ZarrFastPath
from voxhub.api.zarr_http import EXPOSED_HEADERS
from voxhub.catalog.scan import scan
from voxhub.catalog.trash import SERVER, purge_expired
from voxhub.datastore import DatastoreNode, HubAccess, HubLink
from voxhub.hub import Hub
from voxhub.jobs.runner import WorkerPool

log = logging.getLogger("voxhub")

# One router per surface; each handler calls the one permission check (voxhub.access.policy.can).
ROUTERS = (
    remote.router,  # before datasets: POST /explore is not a dataset name
    remote_credentials.router,
    datasets.router,
    zarr.router,
    front.router,
    jobs.router,
    uploads.router,
    auth.router,
    people.router,
    teams.router,
    folders.router,
    dataset_settings.router,
    datastores.router,
    trash.router,
    disk_scan.router,
    server_import.router,
    properties.router,
    openmsi.router,
    openmsi_client.router,
    isa.router,
    docs.router,
    ui.router,  # last: /ui/{path} answers every client-side route of the app
)


# An external datastore node serves only reads of the datasets on its own disk.
DATASTORE_ROUTERS = (datasets.router, zarr.router, front.router)


def _periodic_scan(hub: Hub, stop: threading.Event) -> None:
    """Register datasets placed by hand in the data folder, every ``scan_interval`` s.

    Trashed datasets older than ``trash_days`` are purged on the same beat.
    """
    while not stop.wait(hub.settings.scan_interval):
        try:
            with hub.transaction() as session:
                report = scan(session, hub.storage, hub.remote_allowed)
                purge_expired(session, SERVER, hub.storage, hub.settings.trash_days)
            if report.errors:
                log.warning("scan: %d unreadable dataset folders", len(report.errors))
        except Exception:  # keep scanning; the next pass may succeed
            log.exception("periodic scan failed")


def create_app(hub: Hub | None = None) -> FastAPI:
    logs.install()  # before anything can log a path holding a token
    hub = hub or Hub().prepare()
    node = datastore_node(hub)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        if hub.settings.scan_interval > 0:
            threading.Thread(target=_periodic_scan, args=(hub, stop), daemon=True).start()
        workers = None
        if hub.settings.workers and node is None:
            workers = WorkerPool(hub, hub.settings.workers).start()
        if node is not None:
            node.start()
        try:
            yield
        finally:
            stop.set()
            if node is not None:
                node.stop()
            if workers is not None:  # a job still running is re-queued by its heartbeat timeout
                workers.stop(timeout=5)

    app = FastAPI(
        title="voxhub",
        version=__version__,
        description="Large scientific datasets as OME-Zarr, with their ISA metadata.",
        lifespan=lifespan,
        docs_url=None,  # voxhub.api.docs serves Swagger UI without a CDN
        redoc_url=None,
    )
    app.state.hub = hub
    app.state.principal_resolvers = list(
        credentials.RESOLVERS if node is None else credentials.DATASTORE_RESOLVERS
    )
    errors.install(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=[
            "Authorization",
            "Range",
            "X-Auth-Token",
            "If-None-Match",
            "If-Modified-Since",
            "Content-Type",
        ],
        expose_headers=EXPOSED_HEADERS,
        max_age=3600,
    )
    # Outermost: chunk GETs skip routing. ``app_from_env`` wraps a second one around the
    # whole app for servers, so they skip the middleware stack too; this one serves
    # in-process clients (TestClient), which are handed the FastAPI app itself.
    app.add_middleware(ZarrFastPath)

    @app.get("/health", tags=["meta"], include_in_schema=True)
    def health() -> dict[str, str]:
        """Liveness probe; reads no data."""
        return {"status": "ok", "version": __version__}

    for router in ROUTERS if node is None else DATASTORE_ROUTERS:
        app.include_router(router)
    return app


def datastore_node(hub: Hub) -> DatastoreNode | None:
    """With ``VOXHUB_HUB_URL`` set this process is an external datastore: access is the
    hub's to decide (``hub.authenticator`` asks it), and a beat registers its datasets."""
    settings = hub.settings
    if not settings.hub_url:
        return None
    link = HubLink(settings.hub_url, settings.datastore_key or "")
    hub.authenticator = HubAccess(link, settings.access_cache_seconds)  # type: ignore[assignment]
    url = settings.public_url or f"http://{settings.host}:{settings.port}"
    return DatastoreNode(link, hub.index, url, settings.datastore_heartbeat_seconds)


def iter_routes(routes: Iterable[BaseRoute]) -> Iterator[Route]:
    """Every concrete route, including those of included routers (for route tests)."""
    for route in routes:
        if isinstance(route, Route):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers whole
            yield from iter_routes(route.original_router.routes)
        elif hasattr(route, "routes"):
            yield from iter_routes(route.routes)


def app_from_env() -> ZarrFastPath:
    """Factory for ASGI servers (``voxhub.api.app:app_from_env``): settings from the env.

    The /zarr fast path is also wrapped around the whole app, so chunk GETs skip
    Starlette's middleware stack too (the inner one serves in-process clients).
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(Hub().prepare())
    return ZarrFastPath(app, root=app)

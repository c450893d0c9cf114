"""The composition root: settings, database, catalog index and authenticator.

One ``Hub`` per process. The server, the CLI and the tests build it the same
way, so every entry point sees the same data folder and database.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from voxhub.access.authenticate import Authenticator
from voxhub.arrays.box import ReadSlots
from voxhub.arrays.layer import LayerLayout
from voxhub.catalog.datastores import Heartbeats
from voxhub.catalog.disk_usage import DiskUsage
from voxhub.catalog.index import CatalogIndex
from voxhub.catalog.remote import RemoteSources
from voxhub.catalog.usage import UsageNotes
from voxhub.config import Settings, get_settings
from voxhub.db.session import make_engine, make_sessionmaker, migrate, transaction
from voxhub.formats.ingest import DataRoot
from voxhub.storage.remote import AllowedHosts
from voxhub.storage.store import DataStore, LocalDataStore


class Hub:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    def prepare(self) -> Hub:
        """Create the data folders and bring the database schema up to date."""
        self.settings.data.mkdir(parents=True, exist_ok=True)
        self.settings.binary_data.mkdir(parents=True, exist_ok=True)
        migrate(self.settings.resolved_database_url)
        return self

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    def transaction(self) -> AbstractContextManager[Session]:
        """``with hub.transaction() as session:`` commits on success."""
        return transaction(self.sessions)

    @cached_property
    def index(self) -> CatalogIndex:
        index = CatalogIndex(
            self.sessions,
            self.storage,
            self.settings.access_cache_seconds,
            remote=self.remote,
        )
        index.on_change(self.remote.forget)
        return index

    @cached_property
    def remote(self) -> RemoteSources:
        """Credentials, stores and open arrays of remote layers (this process's)."""
        return RemoteSources(self.settings, self.sessions, self.storage)

    @property
    def remote_allowed(self) -> AllowedHosts:
        """Hosts remote layers may name although the SSRF guard would refuse them."""
        return AllowedHosts.parse(self.settings.remote_allowed_hosts)

    @cached_property
    def disk_usage(self) -> DiskUsage:
        """Dataset folder sizes, measured in the background (``DatasetOut.diskBytes``)."""
        return DiskUsage()

    @cached_property
    def usage(self) -> UsageNotes:
        """``last_used`` of datasets, written at most once a minute each."""
        return UsageNotes(self.sessions)

    @cached_property
    def authenticator(self) -> Authenticator:
        return Authenticator(self.sessions, self.index)

    @cached_property
    def heartbeats(self) -> Heartbeats:
        """When each external datastore last beat (``VOXHUB_DATASTORE_TIMEOUT_SECONDS``)."""
        return Heartbeats(self.sessions, self.settings.datastore_timeout_seconds)

    @cached_property
    def box_slots(self) -> ReadSlots:
        """Slots for large box reads in this process (``VOXHUB_BOX_CONCURRENCY``)."""
        return ReadSlots(self.settings.box_concurrency)

    @cached_property
    def storage(self) -> DataStore:
        """Where the datasets' bytes live (``VOXHUB_STORAGE``): the data folder or S3."""
        settings = self.settings
        if not settings.storage:
            return LocalDataStore(settings.binary_data, settings.staging)
        from voxhub.storage.s3 import S3DataStore

        return S3DataStore(settings.storage, endpoint_url=settings.s3_endpoint_url)

    @property
    def data_root(self) -> DataRoot:
        return DataRoot(self.settings.binary_data, self.settings.staging, self.storage)

    @property
    def layout(self) -> LayerLayout:
        return LayerLayout(
            chunk_zyx=self.settings.chunk_shape,
            shard_zyx=self.settings.shard_shape,
            zarr_format=self.settings.zarr_format,
        )

    def close(self) -> None:
        if "remote" in self.__dict__:
            self.remote.close()
        if "engine" in self.__dict__:
            self.engine.dispose()

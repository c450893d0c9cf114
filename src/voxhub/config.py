"""Settings from ``VOXHUB_*`` environment variables and an optional ``voxhub.toml``.

Environment variables win over the TOML file, which wins over the defaults.
The TOML file is ``./voxhub.toml`` or the path in ``VOXHUB_CONFIG``.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

# A bucket name as S3 allows it, then an optional prefix without NUL bytes or backslashes.
S3_URL = re.compile(r"s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/[^\x00\\]*)?")


def _toml_path() -> Path:
    return Path(os.environ.get("VOXHUB_CONFIG", "voxhub.toml"))


class Settings(BaseSettings):
    """Every knob voxhub has; each is documented in README.md."""

    model_config = SettingsConfigDict(env_prefix="VOXHUB_", extra="ignore")

    data: Path = Field(Path("data"), description="Folder holding binaryData/, staging and SQLite")
    storage: str = Field(
        "", description="Where datasets live: empty for the data folder, or s3://bucket/prefix"
    )
    s3_endpoint_url: str | None = Field(
        None, description="S3-compatible endpoint (MinIO, Ceph…); keys from AWS_ACCESS_KEY_ID etc."
    )
    s3_redirect: Literal["proxy", "presigned"] = Field(
        "proxy",
        description="/zarr on S3: stream objects through (proxy) or 307 to a presigned URL",
    )
    s3_presign_seconds: int = Field(
        300, ge=1, le=7 * 24 * 3600, description="Lifetime of a presigned /zarr URL"
    )
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in data/")
    host: str = Field("127.0.0.1", description="Address `voxhub serve` binds")
    port: int = Field(8000, description="Port `voxhub serve` binds")
    public_url: str | None = Field(None, description="External base URL used in links")
    chunk_shape: Annotated[tuple[int, int, int], NoDecode] = Field(
        (64, 64, 64), description="Zarr chunk (z,y,x)"
    )
    shard_shape: Annotated[tuple[int, int, int] | None, NoDecode] = Field(
        None, description="Zarr v3 shard (z,y,x)"
    )
    zarr_format: Literal[2, 3] = Field(3, description="3 writes NGFF 0.5, 2 writes NGFF 0.4")
    max_box_voxels: int = Field(256 * 1024 * 1024, description="Largest box the data route returns")
    max_box_bytes: int = Field(
        256 * 2**20, description="Largest box the data route returns, in bytes (all channels)"
    )
    box_concurrency: int = Field(
        4, description="Large box reads one process streams at once (more wait 2 s, then 503)"
    )
    scan_interval: float = Field(60.0, description="Seconds between filesystem scans (0: off)")
    sample: bool = Field(True, description="Create the sample dataset when the store is empty")
    workers: int = Field(1, description="In-process job workers started by `voxhub serve`")
    dask_scheduler: str | None = Field(None, description="dask.distributed scheduler address")
    job_heartbeat_seconds: float = Field(5.0, description="How often a running job beats")
    job_timeout_seconds: float = Field(60.0, description="Silence after which a job is re-queued")
    job_max_attempts: int = Field(3, description="Runs a job gets before a lost worker fails it")
    upload_max_bytes: int = Field(100 * 2**30, description="Largest single upload (also unzipped)")
    upload_org_quota_bytes: int = Field(
        500 * 2**30,
        description="Bytes of unfinished uploads per organization, zips counted unpacked",
    )
    upload_expiry_hours: float = Field(72.0, description="Idle unfinished uploads are removed")
    isa_import_max_bytes: int = Field(
        16 * 2**20, description="Largest ISA-JSON or ARC zip body an import or replace accepts"
    )
    isa_import_max_unpacked_bytes: int = Field(
        64 * 2**20, description="Most bytes the files of one imported ARC zip may unpack to"
    )
    access_cache_seconds: float = Field(2.0, description="How long an access decision is reused")
    hub_url: str | None = Field(
        None, description="The hub a datastore node registers with (`voxhub serve --datastore`)"
    )
    datastore_key: str | None = Field(None, description="The key a datastore node presents")
    datastore_heartbeat_seconds: float = Field(
        10.0, description="How often a datastore node beats and re-registers changed datasets"
    )
    datastore_timeout_seconds: float = Field(
        30.0, description="Silence after which the hub shows a datastore's datasets unreachable"
    )
    server: str = Field("granian", description="ASGI server for `voxhub serve`: granian|uvicorn")
    http_workers: int = Field(1, description="HTTP worker processes of `voxhub serve`")
    openmsi_max_elements: int = Field(
        64 * 1024 * 1024, description="Most values one /openmsi selection or result may hold"
    )
    openmsi_max_list_length: int = Field(100_000, description="Longest /openmsi index list")
    openmsi_max_seconds: float = Field(30.0, description="Time cap of one /openmsi pipeline")
    import_roots: Annotated[tuple[Path, ...], NoDecode] = Field(
        (), description="Server folders the import API may read (comma-separated)"
    )
    trash_days: float = Field(30.0, description="Days a deleted dataset stays restorable")
    remote_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Hosts (host, host:port or CIDR) remote sources may use although they are "
        "loopback/private (comma-separated)",
    )
    remote_concurrency: int = Field(
        64, ge=1, le=1024, description="Requests in flight per remote read"
    )
    remote_box_concurrency: int = Field(
        256, ge=1, le=4096,
        description="Requests in flight for one large box read of a remote layer (up to its "
        "number of chunks; never fewer than VOXHUB_REMOTE_CONCURRENCY)",
    )  # fmt: skip
    remote_cache_bytes: int = Field(
        256 * 2**20, ge=0, description="Memory for chunks of remote layers kept per process"
    )
    secret_key: str | None = Field(
        None, description="Signs sessions and share tokens; default: data/.secret_key"
    )
    session_days: float = Field(14.0, description="Lifetime of a browser login session")
    cookie_secure: bool = Field(False, description="Send the session cookie over HTTPS only")
    login_attempts: int = Field(
        5, description="Failed logins per account from one address before it must wait"
    )
    login_attempts_per_address: int = Field(
        20, description="Failed logins from one address (any account) before it must wait"
    )
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Addresses of reverse proxies (nginx in front) whose X-Forwarded-For "
        "names the client, e.g. 127.0.0.1 (comma-separated)",
    )
    login_window_seconds: float = Field(
        900.0, description="How long failed logins count; the longest wait (from 30 s, doubling)"
    )

    @field_validator("chunk_shape", "shard_shape", mode="before")
    @classmethod
    def _parse_triple(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            parts = [p for p in value.replace("x", ",").split(",") if p.strip()]
            if len(parts) != 3:
                raise ValueError("expected three integers like 64,64,64")
            return tuple(int(p) for p in parts)
        return value

    @field_validator("storage")
    @classmethod
    def _check_storage(cls, value: str) -> str:
        # Checked here so that a typo stops every command at once, in one line.
        if value and not re.fullmatch(
            r"s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/[^\x00\\]*)?", value
        ):
            raise ValueError("expected empty (the data folder) or s3://bucket/prefix")
        return value

    @field_validator("zarr_format", mode="before")
    @classmethod
    def _parse_format(cls, value: object) -> object:
        # From the environment a Literal[2, 3] arrives as "2", which pydantic does not coerce.
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value

    @field_validator("remote_allowed_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _parse_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(h.strip() for h in value.split(",") if h.strip())
        return value

    @field_validator("import_roots", mode="before")
    @classmethod
    def _parse_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(Path(p.strip()) for p in value.split(",") if p.strip())
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_toml_path())
        return (init_settings, env_settings, toml)

    @property
    def binary_data(self) -> Path:
        return self.data / "binaryData"

    @property
    def staging(self) -> Path:
        return self.data / ".staging"

    @property
    def trash(self) -> Path:
        return self.data / ".trash"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data / 'voxhub.sqlite3').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


__all__ = ["Settings", "get_settings"]

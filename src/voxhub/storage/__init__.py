"""Where bytes live: safe names, staging folders, atomic publishing and remote stores."""

from voxhub.storage._remote import ChunkCache, FetchStats, RemoteStore
from voxhub.storage.errors import AlreadyExists, UnsafePath
from voxhub.storage.local import check_name, clean_staging, publish, safe_join, staging_folder

__all__ = [
    "AlreadyExists",
    "ChunkCache",
    "FetchStats",
    "RemoteStore",
    "UnsafePath",
    "check_name",
    "clean_staging",
    "publish",
    "safe_join",
    "staging_folder",
]

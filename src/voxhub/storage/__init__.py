"""Where bytes live: the one ``DataStore`` interface (data folder or S3), safe names,
staging folders, atomic publishing and remote stores."""

from voxhub.storage._remote import FetchStats, RemoteStore
from voxhub.storage.chunkcache import ChunkCache
from voxhub.storage.errors import AlreadyExists, NotOnThisStorage, UnsafePath
from voxhub.storage.local import check_name, clean_staging, publish, safe_join, staging_folder
from voxhub.storage.offload import Offload
from voxhub.storage.s3 import S3DataStore
from voxhub.storage.store import DataStore, LocalDataStore, ObjectInfo, check_key

__all__ = [
    "AlreadyExists",
    "ChunkCache",
    "DataStore",
    "FetchStats",
    "LocalDataStore",
    "NotOnThisStorage",
    "ObjectInfo",
    "Offload",
    "RemoteStore",
    "S3DataStore",
    "UnsafePath",
    "check_key",
    "check_name",
    "clean_staging",
    "publish",
    "safe_join",
    "staging_folder",
]

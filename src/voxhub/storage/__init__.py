"""Where bytes live: safe names, staging folders and atomic publishing."""

from voxhub.storage.errors import AlreadyExists, UnsafePath
from voxhub.storage.local import check_name, clean_staging, publish, safe_join, staging_folder

__all__ = [
    "AlreadyExists",
    "UnsafePath",
    "check_name",
    "clean_staging",
    "publish",
    "safe_join",
    "staging_folder",
]

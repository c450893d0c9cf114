"""The Python client of a voxhub server (``from voxhub.client import Client``).

::

    with Client("http://127.0.0.1:8000", token="vxh_…") as client:
        brain = client.dataset("lab/brain")
        block = brain.layer("color").read(mag="2-2-1", offset=(0, 0, 64), size=(256, 256, 16))
        level = brain.layer("color").open_zarr(mag=1)        # a zarr.Array over HTTP
        client.upload("stack/", org="lab", name="again", voxel_size=(4, 4, 40))
"""

from voxhub.client._client import Client
from voxhub.client._dataset import Dataset, Layer
from voxhub.client.errors import (
    ApiError,
    BadAnswer,
    BadRequest,
    ClientError,
    Conflict,
    Forbidden,
    JobFailed,
    NotFound,
    ServerError,
    TooLarge,
    TooManyRequests,
    TransportError,
    Unauthenticated,
)

__all__ = [
    "ApiError",
    "BadAnswer",
    "BadRequest",
    "Client",
    "ClientError",
    "Conflict",
    "Dataset",
    "Forbidden",
    "JobFailed",
    "Layer",
    "NotFound",
    "ServerError",
    "TooLarge",
    "TooManyRequests",
    "TransportError",
    "Unauthenticated",
]

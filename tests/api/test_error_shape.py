"""One JSON shape for every error, and one status per error class (by MRO)."""

import pytest

from voxhub import errors
from voxhub.api.errors import status_for
from voxhub.arrays.errors import BadBox, BoxTooLarge, MagNotFound
from voxhub.formats.properties import BadProperties
from voxhub.storage.errors import AlreadyExists, UnsafePath


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.NotFound("x"), 404),
        (MagNotFound("x"), 404),
        (BadBox("x"), 400),
        (BoxTooLarge("x"), 400),
        (UnsafePath("x"), 400),
        (BadProperties("x"), 400),
        (AlreadyExists("x"), 409),
        (errors.Unauthenticated("x"), 401),
        (errors.PermissionDenied("x"), 403),
        (errors.TooLarge("x"), 413),
    ],
)
def test_status_follows_the_class_tree(error, status):
    assert status_for(error) == status


def test_every_error_class_has_a_code():
    def walk(cls):
        yield cls
        for sub in cls.__subclasses__():
            yield from walk(sub)

    for cls in walk(errors.VoxhubError):
        assert cls.code and cls.code != "error" or cls is errors.VoxhubError, cls


def test_validation_errors_use_the_same_shape(client):
    response = client.get("/api/v1/datasets/a/b/layers/c/data", params={"width": "wide"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_input" and "width" in body["detail"]


def test_method_not_allowed_is_json(client):
    response = client.post("/api/v1/datasets/a/b")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"

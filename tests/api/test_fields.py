"""Bounded input everywhere: no integer, NUL byte or odd path a client sends becomes a 500.

The first test walks the OpenAPI schema: every integer a request may carry (path,
query, form, JSON body, list items) has 64-bit bounds, so a new route that forgets
``voxhub.api.fields.Int64`` fails here. The others repeat the security review's
requests (issue 9 item 9) against the app.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.helpers import add_dataset
from tests.uploads.resumable import chunk_fields, post_chunk, reserve

from voxhub.api.fields import ID_MAX
from voxhub.web.openapi import current_schema

HUGE = "99999999999999999999"  # above 2**64


def _unbounded(schema: dict[str, Any], where: str, components: dict, seen: set) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return _unbounded(components[name], name, components, seen)
    found = []
    if schema.get("type") == "integer" and "maximum" not in schema:
        found.append(where)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found += _unbounded(schema[key], f"{where}[]", components, seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found += _unbounded(option, where, components, seen)
    for name, field in schema.get("properties", {}).items():
        found += _unbounded(field, f"{where}.{name}", components, seen)
    return found


def test_every_request_integer_is_bounded_in_the_schema():
    schema = current_schema()
    components = schema.get("components", {}).get("schemas", {})
    unbounded = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                unbounded += _unbounded(
                    parameter.get("schema", {}), f"{where} {parameter['name']}", components, set()
                )
            for content in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += _unbounded(content.get("schema", {}), where, components, set())
    assert not unbounded, "integers without bounds (use voxhub.api.fields.Int64):\n" + "\n".join(
        unbounded
    )


def test_integers_beyond_64_bits_are_a_400(client, admin_token):
    auth = {"Authorization": f"Bearer {admin_token}"}
    requests = [
        ("GET", f"/api/v1/jobs/{HUGE}", None),
        ("POST", f"/api/v1/jobs/{HUGE}/cancel", None),
        ("GET", f"/api/v1/audit?offset={HUGE}", None),
        ("PUT", f"/api/v1/teams/{HUGE}/members/{HUGE}", {"isManager": False}),
        ("DELETE", f"/api/v1/teams/1/members/{HUGE}", None),
        ("POST", f"/api/v1/trash/{HUGE}/restore", None),
        ("PUT", "/api/v1/folders/1/teams", {"teamIds": [int(HUGE)]}),
        (
            "POST",
            "/api/v1/uploads",
            {
                "name": "x",
                "organization": "lab",
                "totalFileCount": 1,
                "totalBytes": 10,
                "initialTeams": [int(HUGE)],
            },
        ),
        ("GET", f"/api/v1/datasets?offset={HUGE}", None),
    ]
    for method, url, body in requests:
        response = client.request(method, url, json=body, headers=auth)
        assert response.status_code == 400, (method, url, response.text)
        assert response.json()["error"] == "invalid_input"
    # The largest id is a valid number that names nothing; one more is a 400 on every database.
    assert client.get(f"/api/v1/jobs/{ID_MAX}", headers=auth).status_code == 404
    assert client.get(f"/api/v1/jobs/{ID_MAX + 1}", headers=auth).status_code == 400


def test_nul_bytes_in_urls_and_paths_are_refused(client, hub, admin_token):
    auth = {"Authorization": f"Bearer {admin_token}"}
    add_dataset(hub, "lab", "cells", public=True)
    for url in (
        "/zarr/lab/cells/color/zarr.json%00",
        "/zarr/lab/cells/color/1/c/0/0/0%00x",
        "/zarr/lab/cells%00/color/zarr.json",
        "/api/v1/datasets?search=a%00b",
    ):
        response = client.get(url, headers=auth)
        assert response.status_code in (400, 404), (url, response.text)
        assert set(response.json()) == {"error", "detail"}
    hub.settings.import_roots  # noqa: B018  (the default: no roots, so no import at all)
    response = client.post(
        "/openmsi/import",
        json={"path": "a\x00b.imzML", "organization": "lab", "name": "m"},
        headers=auth,
    )
    assert response.status_code in (400, 403), response.text


def test_nul_byte_in_an_import_path_is_a_400(client, hub, admin_token, tmp_path):
    from voxhub.openmsi.importing import resolve_import_path
    from voxhub.storage.errors import UnsafePath

    with pytest.raises(UnsafePath):
        resolve_import_path([tmp_path], "a\x00b.imzML")


@pytest.mark.parametrize(("first", "second"), [("./a", "a//b"), ("a", "a/b"), ("a/b", "a")])
def test_upload_paths_naming_a_file_and_a_folder_are_a_400(client, hub, admin_token, first, second):
    upload_id = reserve(client, admin_token, "paths", 2, 20).json()["uploadId"]
    fields, _ = chunk_fields(first, b"0123456789", 1)
    assert post_chunk(client, admin_token, upload_id, fields, b"0123456789").status_code == 200
    fields, _ = chunk_fields(second, b"abcdefghij", 1)
    response = post_chunk(client, admin_token, upload_id, fields, b"abcdefghij")
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error", "detail"}


def test_upload_paths_are_one_file_however_they_are_spelled(client, hub, admin_token):
    upload_id = reserve(client, admin_token, "same", 1, 10).json()["uploadId"]
    fields, _ = chunk_fields("./x/a.tif", b"0123456789", 1)
    assert post_chunk(client, admin_token, upload_id, fields, b"0123456789").status_code == 200
    fields, _ = chunk_fields("x//a.tif", b"0123456789", 1)
    url = f"/api/v1/uploads/{upload_id}/chunks"
    known = client.get(url, params=fields, headers={"Authorization": f"Bearer {admin_token}"})
    assert known.status_code == 200  # the same chunk of the same file: already there

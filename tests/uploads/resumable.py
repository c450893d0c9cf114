"""A resumable.js-shaped client for tests: reserve, test chunks, send the absent ones."""

import io
import zipfile
from pathlib import Path

CHUNK = 4096


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def reserve(client, token, name, files, size, **extra):
    body = {"name": name, "organization": "lab", "totalFileCount": files, "totalBytes": size}
    return client.post("/api/v1/uploads", json={**body, **extra}, headers=auth(token))


def chunk_fields(path, data, number, size=CHUNK):
    total = max(1, len(data) // size)
    return {
        "resumableChunkNumber": number,
        "resumableChunkSize": size,
        "resumableCurrentChunkSize": 0,
        "resumableTotalSize": len(data),
        "resumableTotalChunks": total,
        "resumableRelativePath": path,
        "resumableIdentifier": f"{len(data)}-{path}",
        "resumableFilename": Path(path).name,
    }, total


def post_chunk(client, token, upload_id, fields, part):
    url = f"/api/v1/uploads/{upload_id}/chunks"
    return client.post(url, data=fields, files={"file": ("blob", part)}, headers=auth(token))


def send(client, token, upload_id, path, data, skip=()):
    """Send a file as resumable.js does with testChunks: GET each chunk, POST the absent."""
    url = f"/api/v1/uploads/{upload_id}/chunks"
    _, total = chunk_fields(path, data, 1)
    sent = 0
    for number in range(1, total + 1):
        if number in skip:
            continue
        fields, _ = chunk_fields(path, data, number)
        if client.get(url, params=fields, headers=auth(token)).status_code == 200:
            continue
        start = (number - 1) * CHUNK
        part = data[start:] if number == total else data[start : start + CHUNK]
        response = post_chunk(client, token, upload_id, fields, part)
        assert response.status_code == 200, response.json()
        sent += 1
    return sent


def upload_files(client, token, name, files: dict[str, bytes], **extra):
    response = reserve(client, token, name, len(files), sum(map(len, files.values())), **extra)
    assert response.status_code == 201, response.json()
    upload_id = response.json()["uploadId"]
    for path, data in files.items():
        send(client, token, upload_id, path, data)
    return upload_id


def zipped(folder: Path, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()

"""ISA import and replace: who asks is checked before the body is read, and the body
and everything it unpacks to are capped (issue 9 item 2)."""

import io
import zipfile

import pytest
from tests.api.test_isa import BASE, auth, member_token, sample_model

from voxhub.isa import isajson


def xlsx_bomb(inflated: int) -> bytes:
    """An 'xlsx' whose sheet inflates to ``inflated`` bytes (a few kB compressed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
        book.writestr("xl/worksheets/sheet1.xml", b" " * inflated)
    return buffer.getvalue()


def arc_bomb(inflated: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as arc:
        arc.writestr("isa.investigation.xlsx", xlsx_bomb(inflated))
    return buffer.getvalue()


class Counted:
    """A request body that records how much of it the server consumed."""

    def __init__(self, blocks: int, size: int = 64 * 1024) -> None:
        self.blocks, self.size, self.sent = blocks, size, 0

    def __iter__(self):
        for _ in range(self.blocks):
            self.sent += 1
            yield b"x" * self.size


@pytest.mark.parametrize("method, url", [("POST", f"{BASE}/import?organization=lab"),
                                         ("PUT", f"{BASE}/lab/EM1")])  # fmt: skip
def test_anonymous_bodies_are_refused_unread(client, admin_token, method, url):
    client.post(BASE, json={"identifier": "EM1", "organization": "lab"}, headers=auth(admin_token))
    body = Counted(blocks=64)
    response = client.request(method, url + "&format=arc-zip" if "?" in url else url,
                              content=body)  # fmt: skip
    assert response.status_code in (401, 404), response.text
    assert body.sent <= 1, f"{body.sent} blocks were read before the caller was checked"
    bomb = client.request(method, url, content=arc_bomb(32 * 2**20))
    assert bomb.status_code in (401, 404)


def test_readers_and_outsiders_cannot_replace_and_their_bodies_are_not_read(
    client, hub, admin_token, outsider_token
):
    client.post(BASE, json={"identifier": "EM1", "organization": "lab"}, headers=auth(admin_token))
    for token, status in ((member_token(hub), 403), (outsider_token, 404)):
        body = Counted(blocks=64)
        response = client.put(f"{BASE}/lab/EM1", content=body, headers=auth(token))
        assert response.status_code == status, response.text
        assert body.sent <= 1
    outsider = client.post(f"{BASE}/import?organization=lab", content=b"{}",
                           headers=auth(outsider_token))  # fmt: skip
    assert outsider.status_code == 404


def test_a_body_over_the_limit_is_413(client, hub, admin_token):
    hub.settings.isa_import_max_bytes = 256 * 1024
    body = Counted(blocks=64)  # 4 MiB, no Content-Length
    response = client.post(f"{BASE}/import?organization=lab", content=body,
                           headers=auth(admin_token))  # fmt: skip
    assert (response.status_code, response.json()["error"]) == (413, "body_too_large")
    declared = client.post(f"{BASE}/import?organization=lab", content=b"x" * (300 * 1024),
                           headers=auth(admin_token))  # fmt: skip
    assert declared.status_code == 413


def test_an_arc_that_unpacks_past_the_limit_is_413(client, hub, admin_token):
    hub.settings.isa_import_max_unpacked_bytes = 4 * 2**20
    bomb = arc_bomb(16 * 2**20)
    assert len(bomb) < 64 * 1024
    for method, url in (("POST", f"{BASE}/import?organization=lab&format=arc-zip"),
                        ("PUT", f"{BASE}/lab/EM1?format=arc-zip")):  # fmt: skip
        if method == "PUT":
            client.post(BASE, json={"identifier": "EM1", "organization": "lab"},
                        headers=auth(admin_token))  # fmt: skip
        response = client.request(method, url, content=bomb, headers=auth(admin_token))
        assert (response.status_code, response.json()["error"]) == (413, "archive_too_large")


def test_ordinary_imports_still_work(client, admin_token):
    response = client.post(f"{BASE}/import?organization=lab", content=isajson.dumps(sample_model()),
                           headers=auth(admin_token))  # fmt: skip
    assert response.status_code == 201, response.text
    archive = client.get(f"{BASE}/lab/EM1/export?format=arc-zip", headers=auth(admin_token))
    replaced = client.put(f"{BASE}/lab/EM1?format=arc-zip", content=archive.content,
                          headers=auth(admin_token))  # fmt: skip
    assert replaced.status_code == 200 and replaced.json()["assays"] == {"A1": ["S1"]}

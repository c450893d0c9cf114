"""The web app in Chromium against a real ``voxhub serve``: every flow of issue 11's check list.

One server for the module (jobs are run by a separate ``voxhub worker`` process started
mid-way, so a queued job can be cancelled first); screenshots of every page land in
``tests/e2e/artifacts/`` (printed at the end).
"""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
import tifffile
import zarr
from ome_zarr.format import FormatV04
from ome_zarr.writer import write_image, write_labels
from tests.static_server import static_server

from voxhub.testing import VOXHUB, start_server

pytestmark = pytest.mark.e2e
playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
expect.set_options(timeout=20_000)  # the shared test machine is slow at times

DIST = Path(__file__).parents[2] / "src" / "voxhub" / "web" / "dist" / "index.html"
ARTIFACTS = Path(__file__).parent / "artifacts"
ADMIN = ("admin@lab.test", "correct-horse-battery-9")
MEMBER = ("member@lab.test", "correct-horse-battery-8")
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ExitStack() as stack:
        yield from _server(tmp_path_factory, stack)


def _server(tmp_path_factory, stack):
    if not DIST.is_file():
        pytest.fail("the web app is not built: run `make web` first")
    data = tmp_path_factory.mktemp("web") / "data"
    incoming = data.parent / "incoming" / "run1"
    incoming.mkdir(parents=True)
    tifffile.imwrite(incoming / "stack.tif", tiff_volume())
    remote = data.parent / "remote"
    image = np.arange(2 * 8 * 24 * 32, dtype=np.uint16).reshape(2, 8, 24, 32)
    group = zarr.open_group(str(remote / "img.zarr"), mode="w", zarr_format=2)
    write_image(image, group, axes="czyx", fmt=FormatV04(), scale_factors=(2,))
    labelled = zarr.open_group(str(remote / "labelled.zarr"), mode="w", zarr_format=2)
    write_image(image[0], labelled, axes="zyx", fmt=FormatV04(), scale_factors=(2,))
    ids = np.full((8, 24, 32), 2**64 - 2, dtype=np.uint64)  # a uint64 id no double holds
    write_labels(
        ids, labelled, name="ids", axes="zyx", fmt=FormatV04(), scale_factors=(2,), scaler=None
    )
    source = stack.enter_context(static_server(remote))
    env = {
        "VOXHUB_WORKERS": "0", "VOXHUB_ACCESS_CACHE_SECONDS": "0.2", "VOXHUB_SCAN_INTERVAL": "0",
        "VOXHUB_SAMPLE": "false", "VOXHUB_IMPORT_ROOTS": str(incoming.parent),
        "VOXHUB_REMOTE_ALLOWED_HOSTS": urlsplit(source).netloc,
    }  # fmt: skip
    server = start_server(data, extra_env=env, timeout=300)
    server.remote_url = f"{source}/img.zarr"
    api = httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {server.admin_token}"},
        timeout=60,
    )
    for (email, password), role in ((ADMIN, "admin"), (MEMBER, "member")):
        answer = api.post(
            "/api/v1/users", json={"email": email, "password": password, "role": role}
        )
        assert answer.status_code == 201, answer.text
    server.api = api
    yield server
    api.close()
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        yield browser
        browser.close()
    print(f"\nweb app screenshots: {ARTIFACTS}")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(browser, server, who=ADMIN, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, base_url=server.url)
    page = context.new_page()
    page.goto("/ui/login")
    page.get_by_label("Email").fill(who[0])
    page.get_by_label("Password").fill(who[1])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Datasets")).to_be_visible()
    return page


def dataset(server, name: str) -> dict:
    answer = server.api.get(f"/api/v1/datasets/sample_organization/{name}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def tiff_volume(depth: int = 8) -> np.ndarray:
    return np.random.default_rng(1).integers(0, 255, (depth, 48, 40), dtype=np.uint8)


def tiff_bytes(volume: np.ndarray) -> str:
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, volume)
    return base64.b64encode(buffer.getvalue()).decode()


def drop_files(page, files: dict[str, str]) -> None:
    """Drop files (name -> base64 TIFF) on the drop zone as a person drags them from a desktop."""
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, b64] of Object.entries(files)) {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name, { type: "image/tiff" }));
            }
            return transfer;
        }""",
        files,
    )
    page.dispatch_event("[data-testid=dropzone]", "drop", {"dataTransfer": transfer})


def drop_tiff(page, name: str) -> None:
    drop_files(page, {name: tiff_bytes(tiff_volume())})


def upload(page, name: str) -> None:
    page.goto("/ui/add/upload")
    drop_tiff(page, f"{name}.tif")
    expect(page.get_by_text("1 file,")).to_be_visible()
    page.get_by_label("Dataset name").fill(name)
    for axis, value in zip("xyz", ("5", "5", "10"), strict=True):
        page.get_by_label(f"Voxel size {axis}").fill(value)
    page.get_by_role("button", name="Upload", exact=True).click()


def test_login_redirects_to_the_page_that_asked(browser, server):
    context = browser.new_context(viewport=DESKTOP, base_url=server.url)
    page = context.new_page()
    page.goto("/ui/jobs")
    expect(page).to_have_url(re.compile(r"/ui/login\?next=%2Fui%2Fjobs$"))
    page.get_by_label("Email").fill(ADMIN[0])
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert "{" not in page.get_by_role("alert").inner_text()
    shot(page, "login-error")
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/ui/jobs$"))
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    context.close()


def test_upload_by_drag_and_drop_cancel_retry_then_watch_it_finish(browser, server):
    page = login(browser, server)
    upload(page, "stack_one")
    expect(page.get_by_text("Converting (queued)")).to_be_visible(timeout=30_000)
    shot(page, "add-upload-converting")
    jobs = page.context.new_page()
    jobs.goto("/ui/jobs")
    row = jobs.locator("tr", has_text="stack_one")
    row.get_by_role("button", name="Cancel").click()
    expect(row.locator(".status")).to_have_text("cancelled")
    expect(page.get_by_text("Conversion cancelled.")).to_be_visible()
    row.get_by_role("button", name="Retry").click()
    expect(row.locator(".status")).to_have_text("queued")
    shot(jobs, "jobs")
    # Now a worker (another process, as on a second machine) runs the queue.
    log = open(server.data.parent / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen([VOXHUB, "worker"], env=server.env, stdout=log, stderr=log)
    try:
        expect(row.locator(".status")).to_have_text("succeeded", timeout=90_000)
        upload(page, "stack_two")
        expect(page.get_by_text("Dataset ready")).to_be_visible(timeout=90_000)
        shot(page, "add-upload-done")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert dataset(server, "stack_two")["status"] == "active"
    assert dataset(server, "stack_two")["voxelSize"] == [5.0, 5.0, 10.0]
    page.context.close()


def test_search_tag_and_move_into_a_folder(browser, server):
    page = login(browser, server)
    page.get_by_label("Search datasets").fill("stack_two")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.datasets tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Select stack_two").click()
    details = page.get_by_role("article")
    details.get_by_label("Add tag").fill("e2e-tagged")
    details.get_by_role("button", name="Add").click()
    expect(details.get_by_text("e2e-tagged")).to_be_visible()
    assert dataset(server, "stack_two")["tags"] == ["e2e-tagged"]
    page.get_by_role("button", name="Folder actions for sample_organization").click()
    page.get_by_role("menuitem", name="New subfolder").click()
    page.get_by_label("Folder name").fill("projects")
    page.get_by_role("button", name="Create").click()
    folder = page.locator("[data-folder='/projects']")
    expect(folder).to_be_visible()
    page.locator("table.datasets tbody tr").first.drag_to(folder)
    expect(page.get_by_text("Moved 1 dataset to /projects.")).to_be_visible()
    tree = server.api.get("/api/v1/folders/tree").json()
    projects = next(f for f in tree if f["path"] == "/projects")
    assert dataset(server, "stack_two")["folderId"] == projects["id"]
    page.get_by_label("Search datasets").fill("")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Select stack_two").click()
    shot(page, "dashboard")
    page.set_viewport_size(NARROW)
    shot(page, "dashboard-narrow")
    page.context.close()


def test_share_link_opens_in_a_fresh_context_until_revoked(browser, server):
    page = login(browser, server)
    page.goto("/ui/datasets/sample_organization/stack_two/settings/sharing")
    page.get_by_role("button", name="Create sharing link").click()
    link = page.get_by_label("Sharing link").input_value()
    assert "token=" in link
    shot(page, "settings-sharing")
    stranger = browser.new_context(viewport=DESKTOP)
    visit = stranger.new_page()
    visit.goto(link)
    expect(visit.get_by_role("heading", name="stack_two")).to_be_visible()
    shot(visit, "shared-dataset")
    page.get_by_role("button", name="Revoke link").click()
    expect(page.get_by_role("button", name="Create sharing link")).to_be_visible()
    time.sleep(0.5)  # the access cache (0.2 s here)
    visit.goto(link)
    expect(visit.get_by_role("alert")).to_be_visible()
    expect(visit.get_by_role("heading", name="stack_two")).to_have_count(0)
    stranger.close()
    page.context.close()


def test_voxel_size_in_simple_and_advanced_mode(browser, server):
    page = login(browser, server)
    page.goto("/ui/datasets/sample_organization/stack_two/settings/data")
    page.get_by_label("Voxel size x").fill("6")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    assert dataset(server, "stack_two")["voxelSize"] == [6.0, 5.0, 10.0]
    shot(page, "settings-data-simple")
    page.get_by_role("button", name="Advanced").click()
    editor = page.get_by_label("datasource-properties.json")
    text = editor.input_value()
    editor.fill(text.replace('"factor"', '"factor-broken"', 1).replace("{", "{{", 1))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Not valid JSON")).to_be_visible()
    shot(page, "settings-data-advanced-error")
    editor.fill(re.sub(r'"factor": \[[^\]]*\]', '"factor": [7, 7, 9]', text))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    assert dataset(server, "stack_two")["voxelSize"] == [7.0, 7.0, 9.0]
    page.context.close()


def test_member_without_access_sees_the_dataset_nowhere(browser, server):
    page = login(browser, server, MEMBER)
    expect(page.get_by_text("No datasets yet")).to_be_visible()
    assert "stack_two" not in page.content()
    shot(page, "dashboard-member")
    page.goto("/ui/datasets/sample_organization/stack_two")
    expect(page.get_by_role("alert")).to_contain_text("not found")
    page.goto("/ui/datasets/sample_organization/stack_two/settings/data")
    expect(page.get_by_role("alert")).to_contain_text("not found")
    page.goto("/ui/?q=stack")
    expect(page.get_by_text("No dataset matches.")).to_be_visible()
    page.goto("/ui/metadata")
    expect(page.get_by_role("heading", name="Metadata")).to_be_visible()
    assert "stack_two" not in page.content()
    page.context.close()
    anonymous = browser.new_context(viewport=DESKTOP, base_url=server.url).new_page()
    anonymous.goto("/ui/")
    expect(anonymous.get_by_text("No public datasets")).to_be_visible()
    assert "stack_two" not in anonymous.content()
    shot(anonymous, "dashboard-anonymous")
    # The dashboard itself offers the login form; after it, the private dataset is listed.
    anonymous.get_by_label("Email").fill(ADMIN[0])
    anonymous.get_by_label("Password").fill(ADMIN[1])
    anonymous.get_by_role("button", name="Log in").click()
    expect(anonymous.get_by_role("button", name="Select stack_two")).to_be_visible()
    anonymous.context.close()


def test_delete_and_restore(browser, server):
    page = login(browser, server)
    page.goto("/ui/datasets/sample_organization/stack_one/settings/delete")
    delete = page.get_by_role("button", name="Delete dataset")
    expect(delete).to_be_disabled()
    page.get_by_label("Type stack_one to confirm").fill("stack_one")
    shot(page, "settings-delete")
    delete.click()
    expect(page.get_by_role("heading", name="Trash")).to_be_visible()
    assert server.api.get("/api/v1/datasets/sample_organization/stack_one").status_code == 404
    shot(page, "trash")
    page.get_by_role("button", name="Restore stack_one").click()
    expect(page.get_by_text("Restored sample_organization/stack_one")).to_be_visible()
    page.get_by_role("link", name="sample_organization/stack_one").click()
    expect(page.get_by_role("heading", name="stack_one")).to_be_visible()
    assert dataset(server, "stack_one")["name"] == "stack_one"
    page.context.close()


def test_create_and_revoke_a_token(browser, server):
    page = login(browser, server)
    page.goto("/ui/people/tokens")
    page.get_by_label("Token name").fill("e2e script")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_test_id("new-token").inner_text().strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.url}/api/v1/auth/me", headers=headers, timeout=60).status_code == 200
    shot(page, "people-tokens")
    page.get_by_role("button", name="Revoke token e2e script").click()
    expect(page.get_by_text("revoked")).to_be_visible()
    time.sleep(0.5)
    assert httpx.get(f"{server.url}/api/v1/auth/me", headers=headers, timeout=60).status_code == 401
    page.context.close()


PAGES = {
    "dataset-page": "/ui/datasets/sample_organization/stack_two",
    "add-import": "/ui/add/import",
    "add-remote": "/ui/add/remote",
    "settings-metadata": "/ui/datasets/sample_organization/stack_two/settings/metadata",
    "settings-view": "/ui/datasets/sample_organization/stack_two/settings/view",
    "people-users": "/ui/people/users",
    "people-teams": "/ui/people/teams",
    "people-audit": "/ui/people/audit",
    "metadata": "/ui/metadata",
    "jobs-list": "/ui/jobs",
    "trash-list": "/ui/trash",
    "not-found": "/ui/no/such/page",
}


def test_every_page_renders_wide_and_narrow_without_errors(browser, server):
    page = login(browser, server)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for viewport, suffix in ((DESKTOP, ""), (NARROW, "-narrow")):
        page.set_viewport_size(viewport)
        for name, path in PAGES.items():
            page.goto(path)
            page.wait_for_load_state("networkidle")
            expect(page.get_by_role("heading").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            expect(page.locator(".loading")).to_have_count(0)
            shot(page, name + suffix)
    assert errors == []
    # Keyboard: the skip link comes first and every control is reachable by Tab.
    page.set_viewport_size(DESKTOP)
    page.goto("/ui/")
    expect(page.locator("button.folder-name").first).to_be_visible()  # the app has settled
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.context.close()


def test_change_password_then_admin_reset_by_invitation(browser, server):
    page = login(browser, server, MEMBER)
    page.goto("/ui/account")
    page.get_by_label("Current password").fill(MEMBER[1])
    page.get_by_label("New password", exact=True).fill("a-new-password-42")
    page.get_by_label("Repeat the new password").fill("a-new-password-42")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()
    shot(page, "account")
    page.context.close()
    login(browser, server, (MEMBER[0], "a-new-password-42")).context.close()
    admin = login(browser, server)
    admin.goto("/ui/people/users")
    admin.on("dialog", lambda dialog: dialog.accept())
    admin.get_by_role("button", name=f"Reset the password of {MEMBER[0]}").click()
    link = admin.get_by_test_id("invite-link").inner_text().strip()
    shot(admin, "people-users")
    admin.context.close()
    invited = browser.new_context(viewport=DESKTOP).new_page()
    invited.goto(link)
    invited.get_by_label("New password").fill("chosen-by-invite-7")
    invited.get_by_role("button", name="Set password and log in").click()
    expect(invited.get_by_role("heading", name="Datasets")).to_be_visible()
    invited.context.close()
    login(browser, server, (MEMBER[0], "chosen-by-invite-7")).context.close()


CHUNKS = re.compile(r"/api/v1/uploads/[0-9a-f]+/chunks")


def test_upload_resumes_after_a_dropped_connection_and_a_page_reload(browser, server):
    page = login(browser, server)
    slices = {f"slice_{i:03d}.tif": tiff_bytes(tiff_volume(8)[i]) for i in range(8)}  # 8 chunks
    posted: list[str] = []

    def flaky(route):  # the connection drops after three chunks
        if route.request.method == "POST" and len(posted) >= 3:
            route.abort("connectionreset")
            return
        if route.request.method == "POST":
            posted.append(route.request.url)
        route.continue_()

    page.route(CHUNKS, flaky)
    page.goto("/ui/add/upload")
    drop_files(page, slices)
    expect(page.get_by_text("8 files,")).to_be_visible()
    page.get_by_label("Dataset name").fill("resumed")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text(re.compile(r"Retrying in \d+ s"))).to_be_visible()
    shot(page, "add-upload-retrying")
    page.unroute(CHUNKS, flaky)
    page.reload()  # the tab is closed and opened again: the upload survives on the server
    expect(page.get_by_role("heading", name="Unfinished uploads")).to_be_visible()
    [waiting] = server.api.get("/api/v1/uploads").json()
    assert waiting["name"] == "resumed" and 0 < waiting["receivedBytes"] < waiting["totalBytes"]
    shot(page, "add-upload-unfinished")
    requests: list[tuple[str, str]] = []
    page.on("request", lambda r: requests.append((r.method, r.url)))
    drop_files(page, slices)
    page.get_by_label("Dataset name").fill("resumed")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("Converting (queued)")).to_be_visible(timeout=30_000)
    reserved = [u for m, u in requests if m == "POST" and u.endswith("/api/v1/uploads")]
    sent = [u for m, u in requests if m == "POST" and CHUNKS.search(u)]
    assert reserved == [] and len(sent) == 8 - 3  # the same upload, only the missing chunks
    jobs = page.request.get("/api/v1/jobs").json()  # the uploader's own jobs
    assert [
        j["params"]["upload_id"] for j in jobs if (j["dataset"] or "").split("/")[-1] == "resumed"
    ] == [waiting["uploadId"]]
    page.context.close()


def test_import_from_a_server_folder_and_watch_both_conversions_finish(browser, server):
    page = login(browser, server)
    page.goto("/ui/add/import")
    page.get_by_role("button", name="Open folder run1").click()
    page.get_by_role("button", name="Import stack.tif").click()
    expect(page.get_by_label("Dataset name")).to_have_value("stack")
    page.get_by_label("Dataset name").fill("imported")
    for axis, value in zip("xyz", ("4", "4", "40"), strict=True):
        page.get_by_label(f"Voxel size {axis}").fill(value)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Converting (queued)")).to_be_visible(timeout=30_000)
    shot(page, "add-import-queued")
    log = open(server.data.parent / "worker2.log", "w")  # noqa: SIM115
    worker = subprocess.Popen([VOXHUB, "worker"], env=server.env, stdout=log, stderr=log)
    try:
        expect(page.get_by_text("Dataset ready")).to_be_visible(timeout=120_000)
        shot(page, "add-import-done")
        deadline = time.monotonic() + 120
        while server.api.get("/api/v1/datasets/sample_organization/resumed").status_code != 200:
            assert time.monotonic() < deadline, "the resumed upload was never converted"
            time.sleep(1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert dataset(server, "imported")["voxelSize"] == [4.0, 4.0, 40.0]
    assert dataset(server, "resumed")["layers"][0]["boundingBox"]["depth"] == 8
    page.context.close()


def test_metadata_size_several_tags_and_arrow_keys(browser, server):
    for name, tags in (("stack_one", ["a-tag", "b-tag"]), ("stack_two", ["a-tag"])):
        url = f"/api/v1/datasets/sample_organization/{name}"
        answer = server.api.patch(url, json={"tags": tags})
        assert answer.status_code == 200, answer.text
    page = login(browser, server)
    page.goto("/ui/datasets/sample_organization/stack_two/settings/metadata")
    page.get_by_role("button", name="Add metadata entry").click()
    page.get_by_label("Key 1").fill("sample")
    page.get_by_label("Value 1").fill("A1")
    page.get_by_role("button", name="Add metadata entry").click()
    page.get_by_label("Key 2").fill("age")
    page.get_by_label("Type 2").select_option("number")
    page.get_by_label("Value 2").fill("four")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("is a number")
    page.get_by_label("Value 2").fill("4.5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    shot(page, "settings-metadata-entries")
    assert dataset(server, "stack_two")["metadata"] == [
        {"key": "sample", "type": "string", "value": "A1"},
        {"key": "age", "type": "number", "value": 4.5},
    ]
    # Several tag filters: datasets with all of them.
    page.goto("/ui/?tag=a-tag")
    rows = page.locator("table.datasets tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("And tag").select_option("b-tag")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"tag=a-tag&tag=b-tag"))
    page.get_by_role("button", name="Remove tag filter a-tag").click()
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Remove tag filter b-tag").click()
    expect(rows).to_have_count(4)  # stack_one, stack_two, resumed, imported
    # Size on disk appears once measured (in the background; the list is polled).
    row = page.locator("table.datasets tbody tr", has_text="stack_two")
    expect(row.locator("td").nth(5)).to_have_text(re.compile(r"^\d+(\.\d)? (B|KB|MB)$"))
    # Arrow keys move through the table (selecting) and through the folder tree.
    page.locator("button.row-select").first.focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("button.row-select").nth(1)).to_be_focused()
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("End")
    expect(rows.last).to_have_attribute("aria-selected", "true")
    page.get_by_role("button", name="Select stack_two").click()
    details = page.get_by_role("article")
    expect(details.get_by_text("Size on disk")).to_be_visible()
    expect(details.get_by_text("A1")).to_be_visible()
    page.locator("button.folder-name").first.focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("[data-folder='/projects']")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"folder=\d+"))
    shot(page, "dashboard-keyboard")
    page.context.close()


def test_isa_import_tables_and_an_assay_linked_to_a_dataset(browser, server, tmp_path):
    from tests.isa.sample import sample_investigation

    from voxhub.isa import isajson

    document = tmp_path / "plant-imaging.json"
    document.write_bytes(isajson.dumps(sample_investigation()).encode())
    page = login(browser, server)
    page.goto("/ui/metadata")
    page.get_by_label("File", exact=True).set_input_files(str(document))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported plant-imaging.")).to_be_visible()
    page.get_by_role("link", name="plant-imaging").click()
    expect(page.get_by_role("heading", name="Plant imaging")).to_be_visible()
    page.locator("li", has_text="imaging in growth").get_by_role("button", name="tables").click()
    expect(page.get_by_role("heading", name="Tables of assay imaging")).to_be_visible()
    expect(page.get_by_role("table").first).to_be_visible()
    page.get_by_role("combobox", name=re.compile("^Assay")).select_option("imaging")
    dataset_menu = page.get_by_role("combobox", name=re.compile("^Dataset"))
    dataset_menu.select_option("sample_organization/stack_two")
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("link", name="sample_organization/stack_two")).to_be_visible()
    shot(page, "metadata-investigation")
    page.goto("/ui/?q=stack_two")
    page.get_by_role("button", name="Select stack_two").click()
    details = page.get_by_role("article")
    expect(details.get_by_role("heading", name="ISA assays")).to_be_visible()
    expect(details.get_by_text("imaging", exact=True)).to_be_visible()
    page.context.close()


def test_remote_source_is_explored_reviewed_and_registered(browser, server):
    page = login(browser, server)
    page.goto("/ui/add/remote")
    page.get_by_label("Source URL").fill(server.remote_url)
    page.get_by_label("Dataset name").fill("borrowed")
    page.get_by_role("button", name="Explore").click()
    editor = page.get_by_label("datasource-properties.json")
    expect(editor).to_have_value(re.compile(r'"elementClass": "uint16"'))
    shot(page, "add-remote-review")
    editor.fill(editor.input_value().replace("{", "{{", 1))
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("JSON")
    expect(page.get_by_text("Registered")).to_have_count(0)
    page.get_by_role("button", name="Explore").click()  # a fresh proposal replaces the edit
    expect(editor).to_have_value(re.compile(r'^\{\n  "id"'))
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Registered")).to_be_visible()
    shot(page, "add-remote-registered")
    [layer] = dataset(server, "borrowed")["layers"]
    assert layer["numChannels"] == 2 and layer["boundingBox"]["width"] == 32
    page.context.close()


def test_a_remote_uint64_largest_segment_id_is_registered_and_shown_exactly(browser, server):
    """2^64 - 2 has no double: JSON.parse (explore answer, dataset page) made it 2^64."""
    huge = 2**64 - 2
    page = login(browser, server)
    page.goto("/ui/add/remote")
    page.get_by_label("Source URL").fill(server.remote_url.replace("img.zarr", "labelled.zarr"))
    page.get_by_label("Dataset name").fill("labelled")
    page.get_by_role("button", name="Explore").click()
    editor = page.get_by_label("datasource-properties.json")
    expect(editor).to_have_value(re.compile(r'"elementClass": "uint64"'))
    text = editor.input_value()
    segmentation = '"category": "segmentation",'
    assert text.count(segmentation) == 1
    editor.fill(text.replace(segmentation, f'{segmentation} "largestSegmentId": {huge},'))
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Registered")).to_be_visible()
    layers = {layer["category"]: layer for layer in dataset(server, "labelled")["layers"]}
    assert layers["segmentation"]["largestSegmentId"] == huge  # Python reads JSON ints exactly
    page.get_by_role("link", name="sample_organization/labelled").click()
    expect(page.get_by_text(f"largest segment {huge}")).to_be_visible()
    assert f"largest segment {2**64}" not in page.inner_text("body")
    page.context.close()


def test_artifacts_folder_is_printed():
    assert os.fspath(ARTIFACTS).endswith("artifacts")

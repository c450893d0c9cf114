"""The viewer in Chromium against ``voxhub serve``: drawn pixels, URL state, ids, mags, access."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import httpx
import numpy as np
import pytest
from playwright.sync_api import expect, sync_playwright
from tests.e2e.viewer_helpers import (
    BIG_ID,
    CHROMIUM,
    CHROMIUM_ARGS,
    VOXHUB,
    color_volume,
    segment_volume,
    write_dataset,
)

from voxhub.testing import start_server

pytestmark = pytest.mark.e2e
SHAPE = (40, 200, 300)  # z, y, x
ARTIFACTS = Path(__file__).parent / "artifacts"
VOXELS = color_volume(SHAPE)
IDS = segment_volume(SHAPE)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("viewer")
    data = base / "data"
    write_dataset(base, data, "lab", "synth", SHAPE, "10,10,20")
    server = start_server(data, {"VOXHUB_SAMPLE": "false"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def share(server):
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    url = f"{server.url}/api/v1/datasets/lab/synth/sharing-token"
    return httpx.post(url, headers=headers).json()["sharingToken"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make browser` (apt-get install chromium) installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 700})
    page = context.new_page()
    yield page
    context.close()


def open_viewer(page, server, share, hash_: str):
    page.goto(f"{server.url}/ui/view/lab/synth?token={share}#{hash_}")
    wait_complete(page)


def wait_complete(page) -> None:
    page.wait_for_function(
        "(v => v && v.stats && v.stats.complete && v.stats.pending === 0)(window.__voxhubViewer)",
        timeout=60_000,
    )


def read_plane(page, plane: str = "xy") -> tuple[np.ndarray, dict]:
    got = page.evaluate(f"window.__voxhubViewer.readPlane('{plane}')")
    raw = base64.b64decode(got["base64"])
    pixels = np.frombuffer(raw, dtype=np.uint8).reshape(got["height"], got["width"], 4)
    return pixels, got


def expected_xy(got: dict, volume: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the XY plane must show at zoom 1 (one x/y voxel per pixel): values and inside mask."""
    h, w = got["height"], got["width"]
    x0, y0, z = got["position"]
    xs = np.floor(x0 + np.arange(w) + 0.5 - w / 2).astype(int)
    ys = np.floor(y0 + np.arange(h) + 0.5 - h / 2).astype(int)
    inside = (ys[:, None] >= 0) & (ys[:, None] < SHAPE[1]) & (xs[None] >= 0) & (xs[None] < SHAPE[2])
    values = volume[int(z)][np.clip(ys, 0, SHAPE[1] - 1)][:, np.clip(xs, 0, SHAPE[2] - 1)]
    return values, inside


VOXEL_NM = {0: 10.0, 1: 10.0, 2: 20.0}  # x, y, z as imported ("10,10,20")
PLANE_AXES = {"xy": (0, 1, 2), "xz": (0, 2, 1), "yz": (2, 1, 0)}


def plane_coords(got: dict, plane: str, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Dataset coordinates (mag-1 voxels) at the centres of a plane's pixel columns and rows."""
    u, v, _ = PLANE_AXES[plane]
    pixel_nm = zoom * 10.0
    columns = np.arange(got["width"]) + 0.5 - got["width"] / 2
    rows = np.arange(got["height"]) + 0.5 - got["height"] / 2
    us = got["position"][u] + columns * pixel_nm / VOXEL_NM[u]
    vs = got["position"][v] + rows * pixel_nm / VOXEL_NM[v]
    return us, vs


def expected_plane(
    got: dict, plane: str, zoom: float, volume: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """What any plane must show with nearest interpolation: values and inside mask (rows = v)."""
    u, v, w = PLANE_AXES[plane]
    us, vs = plane_coords(got, plane, zoom)
    iu, iv = np.floor(us).astype(int), np.floor(vs).astype(int)
    size = {0: SHAPE[2], 1: SHAPE[1], 2: SHAPE[0]}  # x, y, z extents
    inside = (iv[:, None] >= 0) & (iv[:, None] < size[v]) & (iu[None] >= 0) & (iu[None] < size[u])
    index: list = [None, None, None]  # x, y, z
    index[u] = np.clip(iu, 0, size[u] - 1)[None, :]
    index[v] = np.clip(iv, 0, size[v] - 1)[:, None]
    index[w] = int(got["position"][w])
    return volume[index[2], index[1], index[0]], inside


def hash_of(page) -> str:
    return urlparse(page.url).fragment


def test_xy_plane_shows_the_voxels_at_the_position(page, server, share):
    ARTIFACTS.mkdir(exist_ok=True)
    open_viewer(page, server, share, "pos=150,100,17&zoom=1&layout=xy&l.segmentation=0")
    pixels, got = read_plane(page)
    assert got["pixelSize"] == 10
    expected, inside = expected_xy(got, VOXELS)
    assert inside.sum() > 0.5 * SHAPE[1] * SHAPE[2]
    assert np.array_equal(pixels[..., 0][inside], expected[inside])
    assert np.array_equal(pixels[..., 1][inside], expected[inside])
    assert not pixels[..., :3][~inside].any()  # outside the data: black
    page.screenshot(path=str(ARTIFACTS / "viewer-xy.png"))


def test_moving_changes_picture_and_url_and_reload_restores_it(page, server, share):
    open_viewer(page, server, share, "pos=150,100,17&zoom=1&layout=xy&l.segmentation=0")
    before, _ = read_plane(page)
    page.mouse.move(500, 300)
    page.keyboard.press("f")
    page.keyboard.press("Shift+f")
    page.wait_for_function("location.hash.includes('pos=150,100,28')", timeout=5_000)
    wait_complete(page)
    after, got = read_plane(page)
    assert not np.array_equal(before, after)
    expected, inside = expected_xy(got, VOXELS)
    assert got["position"][2] == 28
    assert np.array_equal(after[..., 0][inside], expected[inside])
    url = page.url
    page.goto("about:blank")
    page.goto(url)
    wait_complete(page)
    again, _ = read_plane(page)
    assert np.array_equal(again, after)
    assert hash_of(page).startswith("pos=150,100,28&zoom=1&layout=xy")


@pytest.mark.parametrize("plane", ["xz", "yz"])
def test_xz_and_yz_planes_show_the_voxels_at_their_physical_aspect(page, server, share, plane):
    # z voxels are 20 nm, x and y 10 nm: at zoom 1 one z voxel covers two screen pixels
    open_viewer(page, server, share, f"pos=150,100,17&zoom=1&layout={plane}&l.segmentation=0")
    pixels, got = read_plane(page, plane)
    expected, inside = expected_plane(got, plane, 1.0, VOXELS)
    assert inside.sum() > 0.5 * {"xz": SHAPE[2], "yz": SHAPE[1]}[plane] * SHAPE[0] * 2
    assert np.array_equal(pixels[..., 0][inside], expected[inside])
    assert not pixels[..., :3][~inside].any()
    page.screenshot(path=str(ARTIFACTS / f"viewer-{plane}.png"))


def test_linear_interpolation_is_seamless_across_chunk_borders(page, server, share):
    # 4 pixels per voxel: each pixel is a bilinear mix of its 2 × 2 voxels, also where
    # those lie in different chunks (clamped only at the edges of the data).
    hash_ = "pos=128,64,21&zoom=0.25&layout=xy&interp=linear&l.segmentation=0"
    open_viewer(page, server, share, hash_)
    pixels, got = read_plane(page)
    us, vs = plane_coords(got, "xy", 0.25)
    slice_ = VOXELS[21].astype(float)
    x0 = np.floor(us - 0.5).astype(int)
    y0 = np.floor(vs - 0.5).astype(int)
    fx, fy = (us - 0.5 - x0)[None, :], (vs - 0.5 - y0)[:, None]

    def tap(ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        return slice_[np.clip(ys, 0, SHAPE[1] - 1)][:, np.clip(xs, 0, SHAPE[2] - 1)]

    top = tap(y0, x0) * (1 - fx) + tap(y0, x0 + 1) * fx
    bottom = tap(y0 + 1, x0) * (1 - fx) + tap(y0 + 1, x0 + 1) * fx
    expected = top * (1 - fy) + bottom * fy
    inside = ((vs >= 0) & (vs < SHAPE[1]))[:, None] & ((us >= 0) & (us < SHAPE[2]))[None, :]
    chunk = page.evaluate("window.__voxhubViewer.controller.levels.get('color')[0].chunk[0]")
    borders = (np.floor(us[None, :] / chunk) != np.floor((us[None, :] - 1) / chunk)) & inside
    assert borders.sum() > 100  # the picture does cross chunk borders
    error = np.abs(pixels[..., 0].astype(float) - expected)
    assert error[inside].max() <= 1.0, (error[inside].max(), error[borders].max())
    page.screenshot(path=str(ARTIFACTS / "viewer-linear.png"))


def test_drag_pans_the_wheel_zooms_around_the_cursor_and_a_click_moves_the_planes(
    page, server, share
):
    open_viewer(page, server, share, "pos=150,100,20&zoom=1&layout=xy&l.segmentation=0")
    box = page.locator(".vx-overlay").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    state = "window.__voxhubViewer.state"
    # drag 40 px left and 20 px up: the data follows the mouse, the centre moves the other way
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 40, cy - 20, steps=8)
    page.mouse.up()
    assert page.evaluate(f"{state}.position") == [190, 120, 20]

    def hovered(x: float, y: float) -> str:
        page.mouse.move(x + 7, y + 7)
        page.mouse.move(x, y)
        return page.locator("#viewer-hover").text_content().split()[0]

    # the wheel zooms around the cursor: the voxel under it stays under it
    x, y = cx + 150.5, cy - 90.5
    under = hovered(x, y)
    page.mouse.wheel(0, -350)  # zoom in (factor e^-0.7)
    page.wait_for_function(f"{state}.zoom < 0.6")
    assert hovered(x, y) == under
    # in the three-plane layout a click on XY moves the position there: YZ and XZ cut through it
    ortho = "{layout: 'ortho', zoom: 1, position: [150, 100, 20]}"
    page.evaluate(f"window.__voxhubViewer.update({ortho})")
    xy = page.evaluate("window.__voxhubViewer.controller.layouts()[0]")
    page.mouse.click(box["x"] + xy["width"] / 2 - 30.5, box["y"] + xy["height"] / 2 + 20.5)
    assert page.evaluate(f"{state}.position") == [119, 120, 20]
    page.wait_for_function("location.hash.startsWith('#pos=119,120,20&')")


def test_all_three_planes_and_screenshot(page, server, share):
    open_viewer(page, server, share, "pos=150,100,20&zoom=0.5&layout=ortho")
    for plane in ("xy", "xz", "yz"):
        pixels, _ = read_plane(page, plane)
        assert len(np.unique(pixels[..., 0])) > 20, plane
    page.screenshot(path=str(ARTIFACTS / "viewer-ortho.png"))


def test_segment_id_under_the_cursor(page, server, share):
    open_viewer(page, server, share, "pos=150,100,25&zoom=1&layout=xy")
    box = page.locator(".vx-overlay").bounding_box()
    width, height = box["width"] // 2 * 2, box["height"] // 2 * 2
    for dx, dy in ((0, 0), (-60, 40), (110, -70)):
        page.mouse.move(box["x"] + width / 2 + dx + 0.5, box["y"] + height / 2 + dy + 0.5)
        x, y, z = 150 + dx, 100 + dy, 25
        expected = int(IDS[z, y, x])
        page.wait_for_function(
            f"document.querySelector('#viewer-hover').textContent.includes('segment {expected}')",
            timeout=5_000,
        )
    # an id past 2**53 is reported, selected and kept in the URL exactly
    open_viewer(page, server, share, "pos=12,12,5&zoom=1&layout=xy")
    page.mouse.move(box["x"] + width / 2 + 0.5, box["y"] + height / 2 + 0.5)
    page.wait_for_function(
        f"document.querySelector('#viewer-hover').textContent.includes('segment {BIG_ID}')",
        timeout=5_000,
    )
    page.keyboard.press("s")
    page.wait_for_function(f"location.hash.includes('l.segmentation=1~40~{BIG_ID}~0')")
    assert page.input_value("#viewer-selected") == str(BIG_ID)


def test_the_dataset_page_shows_a_uint64_largest_segment_id_exactly(page, server, share):
    """2^53 + 1 has no double: JSON.parse showed 9007199254740992."""
    page.goto(f"{server.url}/ui/datasets/lab/synth?token={share}")
    page.wait_for_selector(f"text=largest segment {BIG_ID}", timeout=20_000)
    assert f"largest segment {BIG_ID - 1}" not in page.inner_text("body")


def test_show_only_the_selected_segment(page, server, share):
    # BIG_ID's block (x, y < 25, z < 10) alone is drawn; its neighbour 2**53 (no such
    # segment; what a double would make of BIG_ID) selects nothing
    hash_ = "pos=40,40,5&zoom=1&layout=xy&l.color=0&l.segmentation=1~100~{}~1"
    open_viewer(page, server, share, hash_.format(BIG_ID))
    pixels, got = read_plane(page)
    us, vs = plane_coords(got, "xy", 1.0)
    block = ((vs >= 0) & (vs < 25))[:, None] & ((us >= 0) & (us < 25))[None, :]
    drawn = pixels[..., :3].any(axis=-1)
    assert block.sum() == 625 and np.array_equal(drawn, block)
    page.goto("about:blank")
    open_viewer(page, server, share, hash_.format(2**53))
    pixels, _ = read_plane(page)
    assert not pixels[..., :3].any()


def test_zoomed_out_uses_a_coarser_mag(page, server, share):
    open_viewer(page, server, share, "pos=150,100,20&zoom=1&layout=xy")
    fine = page.evaluate("window.__voxhubViewer.stats.loader.requestsByMag")
    assert fine.get("color/1", 0) > 0  # the screen's level (besides the coarsest, drawn first)
    assert not {"color/2-2-1", "color/4-4-2"} & set(fine)
    assert page.locator("#viewer-mag").text_content() == "1"
    page.evaluate("window.__voxhubViewer.update({zoom: 4})")
    wait_complete(page)
    coarse = page.evaluate("window.__voxhubViewer.stats.loader.requestsByMag")
    new = {k: coarse[k] - fine.get(k, 0) for k in coarse if coarse[k] != fine.get(k, 0)}
    assert new.get("color/4-4-2", 0) > 0 and not any(k.endswith("/1") for k in new), new
    # the panels follow the state at most ten times a second: the toolbar may lag a frame
    expect(page.locator("#viewer-mag")).to_have_text("4-4-2", timeout=5_000)


def test_anonymous_visitor_of_a_private_dataset_sees_a_message_and_no_data(page, server):
    responses = []
    page.on("response", lambda r: responses.append((r.url, r.status)))
    page.goto(f"{server.url}/ui/view/lab/synth")
    page.wait_for_selector("#viewer-message", timeout=30_000)
    assert "may not view it" in page.locator("#viewer-message").text_content()
    assert not [u for u, s in responses if "/zarr/" in u and s == 200]
    assert page.locator("canvas").count() == 0
    page.screenshot(path=str(ARTIFACTS / "viewer-denied.png"))


def logged_in(browser, server, email: str, height: int = 700):
    """A new admin of lab, and a browser page logged in as them."""
    password = f"a long enough password for {email}"
    subprocess.run(
        [VOXHUB, "user", "add", email, "--org", "lab", "--role", "admin", "--password-stdin"],
        input=f"{password}\n", env=server.env, check=True, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    context = browser.new_context(viewport={"width": 1100, "height": height})
    page = context.new_page()
    login = page.request.post(
        f"{server.url}/api/v1/auth/login", data={"email": email, "password": password}
    )
    assert login.ok, login.text()
    return context, page


def test_an_editor_saves_the_view_as_the_default(browser, server):
    context, page = logged_in(browser, server, "editor@lab.org")
    page.goto(f"{server.url}/ui/view/lab/synth#pos=120,80,12&zoom=2&layout=xy&l.segmentation=0")
    wait_complete(page)
    page.click("#viewer-save-default")
    page.wait_for_selector("text=Saved as the dataset's default view.", timeout=10_000)
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    saved = httpx.get(f"{server.url}/api/v1/datasets/lab/synth", headers=headers).json()
    config = saved["viewConfiguration"]
    assert config["position"] == [120, 80, 12] and config["zoom"] == 2
    assert config["layers"]["segmentation"]["isDisabled"] is True
    # the other tests open the dataset's default view: put it back
    url = f"{server.url}/api/v1/datasets/lab/synth"
    assert httpx.patch(url, headers=headers, json={"viewConfiguration": {}}).status_code == 200
    context.close()


def test_the_properties_editor_keeps_a_uint64_largest_segment_id_exact(browser, server):
    """2^64 - 2 has no double: a number input or JSON.parse would save 2^64 instead."""
    huge, top = 2**64 - 2, 2**64 - 1
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    url = f"{server.url}/api/v1/datasets/lab/synth/properties"
    before = httpx.get(url, headers=headers).json()

    def largest() -> int:
        layers = httpx.get(url, headers=headers).json()["dataLayers"]  # Python ints: exact
        seg = next(layer for layer in layers if layer["name"] == "segmentation")
        return seg["largestSegmentId"]

    context, page = logged_in(browser, server, "properties@lab.org", height=900)
    try:
        page.goto(f"{server.url}/ui/datasets/lab/synth/settings/data")
        field = page.get_by_label("Largest segment id")
        field.fill(str(huge))
        page.get_by_role("button", name="Save").click()
        page.wait_for_selector("text=Saved.", timeout=20_000)
        assert largest() == huge
        # the dataset page and the viewer show the saved digits, not JSON.parse's 2^64
        page.goto(f"{server.url}/ui/datasets/lab/synth")
        page.wait_for_selector(f"text=largest segment {huge}", timeout=20_000)
        assert f"largest segment {2**64}" not in page.inner_text("body")
        page.goto(f"{server.url}/ui/view/lab/synth")
        wait_complete(page)
        page.wait_for_selector(f"text=largest id {huge}", timeout=20_000)
        page.goto(f"{server.url}/ui/datasets/lab/synth/settings/data")
        assert page.get_by_label("Largest segment id").input_value() == str(huge)
        page.get_by_role("button", name="Advanced").click()
        editor = page.get_by_label("datasource-properties.json")
        text = editor.input_value()
        assert f'"largestSegmentId": {huge}\n' in text
        editor.fill(text.replace(str(huge), str(top)))
        page.get_by_role("button", name="Save").click()
        page.wait_for_selector("text=Saved.", timeout=20_000)
        assert largest() == top
        assert f'"largestSegmentId": {top}\n' in editor.input_value()
        page.get_by_role("button", name="Simple").click()
        assert page.get_by_label("Largest segment id").input_value() == str(top)
    finally:
        context.close()
        assert httpx.put(url, headers=headers, json=before).status_code == 200  # as it was

"""The OpenMSI viewer in Chromium against ``voxhub serve``: drawn pixels, cursors, spectra, URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from playwright.sync_api import sync_playwright
from tests.msi_helpers import MZ, PEAKS, msi_cube, write_omsi_file

from voxhub.testing import start_server

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CUBE = msi_cube()
RANGE = float(MZ[1] - MZ[0]) * 1.5  # ± 1.5 bins: each channel takes 3 m/z values


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("viewer")
    data = base / "data"
    file = write_omsi_file(base / "section.h5", CUBE)
    env = {**os.environ, "VOXHUB_DATA": str(data)}
    voxhub = str(Path(sys.executable).parent / "voxhub")
    done = subprocess.run(
        [voxhub, "import", str(file), "--org", "lab", "--name", "msi"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    server = start_server(data, {"VOXHUB_SAMPLE": "false"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make browser` (apt-get install chromium) installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def expected_channel(value: float) -> np.ndarray:
    """What the viewer draws for one channel: max over m/z within ± range, stretched to 0..255."""
    inside = np.flatnonzero((MZ >= value - RANGE) & (MZ <= value + RANGE))
    plane = CUBE[:, :, inside.min() : inside.max() + 1].max(axis=2).astype(float)
    return np.round((plane - plane.min()) / (plane.max() - plane.min()) * 255)


def ready(page) -> None:
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)


def spectrum_heights(page, which: int) -> list[float]:
    points = page.get_attribute(f"#spectrum{which}", "points").split()
    return [float(p.split(",")[1]) for p in points]


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_viewer_draws_the_ion_image_and_follows_clicks(server, browser):
    channels = [MZ[PEAKS[0]], MZ[PEAKS[1]], MZ[PEAKS[2]]]
    url = (
        f"{server.url}/openmsi/client/viewer/?file=lab/msi&expIndex=0&dataIndex=0"
        f"&channel1Value={channels[0]}&channel2Value={channels[1]}&channel3Value={channels[2]}"
        f"&rangeValue={RANGE}&cursorRow1=2&cursorCol1=3&cursorRow2=9&cursorCol2=7"
        f"&token={server.admin_token}"
    )
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    ready(page)

    # The ion image: every pixel's red, green and blue are the three stretched channels.
    scale = page.evaluate("window.viewerState.scale")
    drawn = np.array(
        page.evaluate(
            """(scale) => {
                const canvas = document.getElementById('ion-image');
                const width = canvas.width, height = canvas.height;
                const data = canvas.getContext('2d').getImageData(0, 0, width, height);
                const rows = height / scale, cols = width / scale, out = [];
                for (let r = 0; r < rows; r++) {
                    const row = [];
                    for (let c = 0; c < cols; c++) {
                        const y = (r + 0.5) * scale | 0, x = (c + 0.5) * scale | 0;
                        const at = (y * width + x) * 4;
                        row.push([data.data[at], data.data[at + 1], data.data[at + 2]]);
                    }
                    out.push(row);
                }
                return out;
            }""",
            scale,
        )
    )
    expected = np.stack([expected_channel(v) for v in channels], axis=-1)
    assert drawn.shape == (12, 10, 3)
    assert np.abs(drawn - expected).max() <= 1
    assert drawn[:, :, 2].max() == 255 and drawn[:, :, 2].min() == 0  # the disc in blue

    # Both cursors' spectra are plotted over the whole m/z axis, scaled to their joint maximum.
    first, second = spectrum_heights(page, 1), spectrum_heights(page, 2)
    assert len(first) == len(second) == MZ.size
    top = max(CUBE[2, 3].max(), CUBE[9, 7].max())
    heights = 320 - 28 - np.array(first)  # baseline minus y: proportional to the value
    assert np.allclose(heights / heights.max(), CUBE[2, 3] / CUBE[2, 3].max(), atol=0.02)
    assert np.isclose(heights.max() / (320 - 28 - 10), CUBE[2, 3].max() / top, atol=0.02)

    # A click moves cursor 1: the URL, the marker state and the plotted spectrum follow.
    box = page.locator("#cursor-layer").bounding_box()
    page.mouse.click(box["x"] + (7 + 0.5) * scale, box["y"] + (5 + 0.5) * scale)
    ready(page)
    assert (query(page)["cursorRow1"], query(page)["cursorCol1"]) == ("5", "7")
    moved = spectrum_heights(page, 1)
    assert moved != first
    heights = 320 - 28 - np.array(moved)
    assert np.allclose(heights / heights.max(), CUBE[5, 7] / CUBE[5, 7].max(), atol=0.02)
    assert spectrum_heights(page, 2) != []  # cursor 2 kept its spectrum

    # Choosing cursor 2 makes the next click move it instead.
    page.check("input[name=cursor][value='2']")
    page.mouse.click(box["x"] + 0.5 * scale, box["y"] + 11.5 * scale)
    ready(page)
    state = query(page)
    assert (state["cursorRow2"], state["cursorCol2"], state["cursorRow1"]) == ("11", "0", "5")

    # The m/z axis zooms: fewer points, a narrower range shown.
    page.click("#zoom-in")
    low, high = (float(page.get_attribute("#spectrum-plot", f"data-{k}")) for k in ("low", "high"))
    assert np.isclose(high - low, (MZ[-1] - MZ[0]) / 2)
    assert len(spectrum_heights(page, 1)) < MZ.size
    page.click("#zoom-reset")
    assert len(spectrum_heights(page, 1)) == MZ.size
    assert not errors

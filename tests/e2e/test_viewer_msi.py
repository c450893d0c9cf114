"""The viewer on an OpenMSI dataset: XY is the ion image of one m/z bin, with a link for spectra."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import numpy as np
import pytest
from playwright.sync_api import sync_playwright
from tests.e2e.viewer_helpers import CHROMIUM, CHROMIUM_ARGS, import_volume
from tests.msi_helpers import MZ, PEAKS, msi_cube, write_omsi_file

from voxhub.testing import start_server

pytestmark = pytest.mark.e2e
READY = "(v => v && v.stats && v.stats.complete && v.stats.pending === 0)(window.__voxhubViewer)"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("viewer-msi")
    data = base / "data"
    import_volume(data, write_omsi_file(base / "section.h5", msi_cube()), "lab", "msi")
    server = start_server(data, {"VOXHUB_SAMPLE": "false"})
    yield server
    server.stop()


def test_msi_plane_is_an_ion_image_with_its_mz_and_a_link_to_spectra(server):
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    url = f"{server.url}/api/v1/datasets/lab/msi/sharing-token"
    share = httpx.post(url, headers=headers).json()["sharingToken"]
    peak = PEAKS[1] + 2  # the middle of the second ion's peak
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 900, "height": 600})
        page.goto(f"{server.url}/ui/view/lab/msi?token={share}#pos=5,6,{peak}&layout=xy")
        page.wait_for_function(READY, timeout=60_000)
        page.wait_for_selector("#viewer-openmsi", timeout=30_000)
        link = page.get_attribute("#viewer-openmsi", "href")
        assert link == "/openmsi/client/viewer/?file=lab%2Fmsi"
        assert page.locator("#viewer-mz").text_content() == f"m/z {MZ[peak]:.3f}"
        got = page.evaluate("window.__voxhubViewer.readPlane('xy')")
        pixels = np.frombuffer(base64.b64decode(got["base64"]), dtype=np.uint8)
        # an image of many distinct values, not a flat plane or a speck
        assert (pixels.reshape(-1, 4)[:, 0] > 0).sum() > 0.03 * got["width"] * got["height"]
        assert len(np.unique(pixels.reshape(-1, 4)[:, 0])) > 5
        artifacts = Path(__file__).parent / "artifacts"
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / "viewer-msi.png"))
        browser.close()

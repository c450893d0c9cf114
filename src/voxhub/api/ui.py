"""``/ui``: the browser app (built by Vite from ``voxhub/web/frontend`` into ``voxhub/web/dist``).

The app is a static shell: every page and the viewer are client-side routes of
one ``index.html``, and everything they show comes from the JSON API and
``/zarr`` with the visitor's own credentials. So these routes serve files
only and need no permission check; data never passes through them.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

import voxhub.web
from voxhub.errors import Unavailable

router = APIRouter(tags=["ui"])
DIST = Path(voxhub.web.__file__).parent / "dist"
FOREVER = "public, max-age=31536000, immutable"


class NotBuilt(Unavailable):
    code = "ui_not_built"


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


@router.get("/ui", include_in_schema=False)
def ui_root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


@router.get("/ui/{path:path}", include_in_schema=False)
def ui_file(path: str) -> Response:
    """A built asset by its path, else the app shell (client-side routing decides the page)."""
    index = DIST / "index.html"
    if not index.is_file():
        raise NotBuilt("the web app is not built: run `make` (npm ci and vite build) first")
    if path.startswith("assets/") and "\x00" not in path:
        asset = (DIST / path).resolve()
        if asset.is_file() and asset.is_relative_to(DIST.resolve()):
            # Vite puts a content hash in every asset name: cache for ever.
            return FileResponse(asset, headers={"Cache-Control": FOREVER})
    # The shell changes with every build: always revalidate.
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})

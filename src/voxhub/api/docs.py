"""``/docs``: Swagger UI for the OpenAPI schema, served from this server (no CDN).

FastAPI's default page loads Swagger UI's script and style from a CDN, so on
a lab network without internet it stays blank. The ``swagger-ui-bundle``
package ships the same files; they are served from ``/docs/assets/``, and the
page names no other host. (ReDoc has no such package, so ``/redoc`` is off.)
The routes serve files only and read no data: no permission check applies.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from voxhub.errors import NotFound

router = APIRouter(include_in_schema=False)
ASSETS = Path(swagger_ui_path)
SERVED = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"})
DAY = "public, max-age=86400"


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="voxhub API",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
    )


@router.get("/docs/oauth2-redirect")
def oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/docs/assets/{name}")
def asset(name: str) -> FileResponse:
    """One of Swagger UI's files, by name from a fixed list (no paths)."""
    if name not in SERVED:
        raise NotFound(f"no documentation asset {name!r}")
    return FileResponse(ASSETS / name, headers={"Cache-Control": DAY})

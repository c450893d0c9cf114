"""``/docs`` works offline: Swagger UI comes from this server, the page names no other host."""

from __future__ import annotations

import re


def test_the_docs_page_references_no_external_host(client):
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
    assert urls, page.text
    external = [u for u in urls if re.match(r"(https?:)?//", u)]
    assert not external, f"/docs loads {external} from elsewhere: blank without internet"
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200 and answer.content, url
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text


def test_only_the_listed_assets_are_served(client):
    for name in ("index.html", "..%2Fswagger-ui.css", "%2Fetc%2Fpasswd"):
        assert client.get(f"/docs/assets/{name}").status_code == 404
    assert client.get("/redoc").status_code == 404  # ReDoc would need a CDN

"""``voxhub nginx-config``: the nginx server that puts nginx in front of ``voxhub serve``.

nginx answers chunk GETs of local datasets from disk with ``sendfile`` after
voxhub's one permission check said yes (``voxhub.api.front``: an ``auth_request``
whose answer nginx caches per credential and layer for the access-cache window);
everything else, and every chunk GET that is not plain (an odd URL, a query
string, several ranges, ``If-Match``, a missing file, a symlink), goes to voxhub,
which answers it as it would without nginx. Why: docs/scaling.md.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from voxhub.api.front import ACCESS_PATH, front_secret
from voxhub.api.zarr_http import EXPOSED_HEADERS
from voxhub.config import Settings
from voxhub.errors import InvalidInput

# A /zarr URL nginx may answer itself: exactly as normalized (nothing percent-encoded,
# no dot segment, no empty segment, no query), key below a layer, names nginx can pass.
PLAIN_URI = r"^/zarr/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*(/[A-Za-z0-9_.~-]+)+$"
SEGMENT = r"[A-Za-z0-9_.~-]+"
CREDENTIALS = "$voxhub_token|$http_authorization|$http_x_auth_token|$http_cookie"
# What nginx would read as the end of a value, a block, a comment or a variable: a value
# holding one would change the configuration around it, so it is refused, not quoted.
NOT_IN_A_VALUE = frozenset(" \t\r\n;{}\"'#$\\")


@dataclass(frozen=True)
class FrontOptions:
    """Where nginx listens and what it answers to; the rest comes from the settings."""

    listen: str = "80"
    server_name: str = "_"
    upstream: str = "127.0.0.1:8000"
    cache_dir: str = "/var/cache/nginx/voxhub"
    tls_cert: str | None = None  # with tls_key: HTTPS and HTTP/2 (browsers speak h2 over TLS only)
    tls_key: str | None = None


def default_options(settings: Settings) -> FrontOptions:
    """Upstream from ``VOXHUB_HOST``/``VOXHUB_PORT``, name from ``VOXHUB_PUBLIC_URL``."""
    host = settings.host if settings.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    name = urlsplit(settings.public_url).hostname if settings.public_url else None
    bracketed = f"[{host}]" if ":" in host else host
    return FrontOptions(server_name=name or "_", upstream=f"{bracketed}:{settings.port}")


def _listen(options: FrontOptions) -> str:
    """The listen line, and with a certificate the TLS settings.

    Over HTTP/1.1 a browser opens at most 6 connections per host, and the viewer's
    first screen (~180 chunk GETs) queued behind them; HTTP/2 carries them all on one
    connection. Browsers speak HTTP/2 only over TLS. nginx 1.22 (Debian bookworm) takes
    ``http2`` as a parameter of ``listen`` (1.25 moved it to its own directive)."""
    if options.tls_cert is None or options.tls_key is None:
        return f"listen {options.listen};"
    cert, key = os.path.abspath(options.tls_cert), os.path.abspath(options.tls_key)
    return f"""listen {options.listen} ssl http2;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers HIGH:!aNULL:!MD5:!RC4:!3DES;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:voxhub_tls:10m;
    ssl_session_timeout 1d;
    ssl_session_tickets off;
    # The viewer keeps many chunk GETs in flight on one connection.
    http2_max_concurrent_streams 256;
    # No Strict-Transport-Security: once sent, browsers refuse plain HTTP to this host
    # for its max-age. Add it (in every location that has add_header) when sure."""


def _chunk_location(pattern: str, binary: str, token: str) -> str:
    expose = ", ".join(EXPOSED_HEADERS)
    return f"""
    location ~ "{pattern}" {{
        {token}
        # not a GET/HEAD, an odd URL, several ranges, If-Match/-Unmodified-Since: voxhub answers
        if ($voxhub_front = 0) {{ return 418; }}
        error_page 418 416 = @voxhub;
        auth_request /_voxhub_access;
        auth_request_set $voxhub_dir $upstream_http_x_voxhub_dir;
        auth_request_set $voxhub_cache_control $upstream_http_x_voxhub_cache_control;
        root {binary};
        disable_symlinks on from={binary};
        try_files $voxhub_file @voxhub;
        etag on;
        if_modified_since before;
        max_ranges 1;
        types {{ application/json json zattrs zarray; }}
        default_type application/octet-stream;
        add_header Cache-Control $voxhub_cache_control;
        add_header Access-Control-Allow-Origin "*";
        add_header Access-Control-Expose-Headers "{expose}";
    }}"""


PROXY = """proxy_pass http://voxhub_upstream;
        proxy_ignore_headers X-Accel-Redirect;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Voxhub-Front "";
        proxy_set_header X-Voxhub-Path-Token "";
        proxy_buffering off;
        proxy_request_buffering off;
        proxy_read_timeout 3600s;
        proxy_send_timeout 3600s;"""


def _check_values(binary: str, options: FrontOptions) -> None:
    """Each value must be one nginx word: raise ``InvalidInput`` naming the first that is not."""
    values = {
        "--listen": options.listen,
        "--server-name": options.server_name,
        "--upstream": options.upstream,
        "--cache-dir": options.cache_dir,
        "--tls-cert": options.tls_cert,
        "--tls-key": options.tls_key,
        "the data folder": binary,
    }
    for name, value in values.items():
        if value is not None and (not value or NOT_IN_A_VALUE.intersection(value)):
            raise InvalidInput(
                f"{name} {value!r} cannot go into an nginx configuration: "
                "no spaces, quotes, ';', '{', '}', '#', '$' or backslashes"
            )


def render(settings: Settings, options: FrontOptions) -> str:
    """The nginx configuration (http-level maps and cache, one server) for ``settings``."""
    binary = os.path.abspath(settings.binary_data)
    _check_values(binary, options)
    secret = front_secret(settings)
    # nginx keeps an answer while its whole-second clock has not passed "stored + N", so up
    # to N + 1 s: N is one less than the window, and a window under 2 s is not cached.
    seconds = math.floor(settings.access_cache_seconds) - 1
    # No proxy_cache_lock: its waiters poll every 500 ms, which stalled every connection
    # when an answer expired (p99 of 300-600 ms at concurrency 64). Without it, the GETs
    # arriving while the answer is renewed each ask voxhub (a few per window).
    # Every credential voxhub reads (path token, headers, cookies) and the layer asked for.
    key = f"{CREDENTIALS}|$voxhub_org/$voxhub_dataset/$voxhub_layer"
    cache = (
        f"""proxy_cache voxhub_access;
        proxy_cache_key "{key}";
        proxy_cache_valid 200 {seconds}s;
        proxy_ignore_headers Cache-Control Expires X-Accel-Expires Set-Cookie Vary;"""
        if seconds >= 1
        else "# VOXHUB_ACCESS_CACHE_SECONDS < 2: every chunk GET asks voxhub"
    )
    names = (
        f"(?<voxhub_org>{SEGMENT})/(?<voxhub_dataset>{SEGMENT})/(?<voxhub_layer>{SEGMENT})/"
        f"(?<voxhub_key>{SEGMENT}(/{SEGMENT})*)$"
    )
    with_token = _chunk_location(
        f"^/zarr/token/(?<voxhub_token>[A-Za-z0-9_-]+)/{names}", binary, ""
    )
    plain = _chunk_location(f"^/zarr/(?!token/){names}", binary, 'set $voxhub_token "";')
    return f"""# voxhub behind nginx, written by `voxhub nginx-config` for the data folder
# {os.path.abspath(settings.data)}. Include it in nginx's http block (e.g. as
# /etc/nginx/conf.d/voxhub.conf). It holds the secret voxhub's access route checks,
# and nginx's cache below holds credentials: keep both readable by root and nginx only.
# nginx's user must be able to read {binary}.
# Run voxhub with VOXHUB_TRUSTED_PROXIES=<nginx's address> so that login throttling
# counts the client's address (X-Forwarded-For), not nginx's.

proxy_cache_path {options.cache_dir} levels=1:2 keys_zone=voxhub_access:10m max_size=256m
                 inactive=60s use_temp_path=off;

upstream voxhub_upstream {{
    server {options.upstream};
    keepalive 64;
}}

# Chunk GETs nginx may answer itself once voxhub said yes; all others go to voxhub.
map $request_uri $voxhub_plain_uri {{
    "~/\\.\\.?(/|$)" 0;
    "~{PLAIN_URI}" 1;
    default 0;
}}
map $http_range $voxhub_plain_range {{
    "" 1;
    "~^bytes=([0-9]+-[0-9]*|-[0-9]+)$" 1;
    default 0;
}}
map $http_if_match$http_if_unmodified_since $voxhub_plain_condition {{
    "" 1;
    default 0;
}}
map $request_method $voxhub_plain_method {{
    GET 1;
    HEAD 1;
    default 0;
}}
map $voxhub_plain_method$voxhub_plain_uri$voxhub_plain_range$voxhub_plain_condition $voxhub_front {{
    1111 1;
    default 0;
}}
# The file: below the layer folder voxhub named, or none (the data folder itself,
# which is no file) when voxhub named none.
map $voxhub_dir $voxhub_file {{
    "" "";
    default /$voxhub_dir/$voxhub_key;
}}

server {{
    {_listen(options)}
    server_name {options.server_name};
    client_max_body_size 0;  # voxhub limits uploads itself

    location / {{
        {PROXY}
    }}

    location @voxhub {{
        {PROXY}
    }}

    location = /_voxhub_access {{
        internal;
        proxy_pass http://voxhub_upstream{ACCESS_PATH}/$voxhub_org/$voxhub_dataset/$voxhub_layer;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header X-Voxhub-Front "{secret}";
        proxy_set_header X-Voxhub-Path-Token $voxhub_token;
        {cache}
    }}
{with_token}
{plain}
}}
"""

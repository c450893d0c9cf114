"""``voxhub nginx-config``: an nginx configuration for the current settings that nginx accepts."""

from __future__ import annotations

import os
import subprocess

import pytest

from voxhub.api.front import front_secret
from voxhub.testing import NGINX, nginx_main_config


def test_the_config_names_this_data_folder_upstream_and_host(cli, hub, monkeypatch, tmp_path):
    monkeypatch.setenv("VOXHUB_PORT", "8123")
    monkeypatch.setenv("VOXHUB_PUBLIC_URL", "https://data.example.org/")
    text = cli("nginx-config", "--listen", "127.0.0.1:8080", "--cache-dir", str(tmp_path / "c"))
    binary = os.path.abspath(hub.settings.binary_data)
    assert f"root {binary};" in text and f"disable_symlinks on from={binary};" in text
    assert "server 127.0.0.1:8123;" in text and "server_name data.example.org;" in text
    assert f'X-Voxhub-Front "{front_secret(hub.settings)}"' in text
    assert "proxy_cache_valid 200 1s;" in text  # kept 1-2 s: VOXHUB_ACCESS_CACHE_SECONDS
    other = cli("nginx-config", "--upstream", "10.0.0.5:9000", "--server-name", "hub.lab")
    assert "server 10.0.0.5:9000;" in other and "server_name hub.lab;" in other
    if os.path.exists(NGINX):  # nginx itself accepts it
        (tmp_path / "voxhub.conf").write_text(text)
        conf = nginx_main_config(tmp_path, tmp_path / "voxhub.conf")
        checked = subprocess.run(
            [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr


def test_without_an_access_cache_every_chunk_asks_voxhub(cli, monkeypatch):
    monkeypatch.setenv("VOXHUB_ACCESS_CACHE_SECONDS", "0")
    text = cli("nginx-config")
    assert "proxy_cache voxhub_access;" not in text and "every chunk GET asks voxhub" in text


@pytest.mark.parametrize(("value", "kept"), [("0.5", None), ("1.9", None), ("3.5", "2s")])
def test_the_cache_window_never_exceeds_the_setting(cli, monkeypatch, value, kept):
    # nginx's clock has whole seconds: "Ns" keeps an answer up to N + 1 s
    monkeypatch.setenv("VOXHUB_ACCESS_CACHE_SECONDS", value)
    text = cli("nginx-config")
    if kept is None:
        assert "proxy_cache_valid" not in text
    else:
        assert f"proxy_cache_valid 200 {kept};" in text


def test_tls_listens_with_http2_and_nginx_accepts_it(cli, tmp_path):
    from voxhub.testing import self_signed_certificate

    cert, key = self_signed_certificate(tmp_path / "tls")
    text = cli("nginx-config", "--tls-cert", str(cert), "--tls-key", str(key),
               "--cache-dir", str(tmp_path / "c"))  # fmt: skip
    assert "listen 443 ssl http2;" in text
    assert f"ssl_certificate {cert};" in text and f"ssl_certificate_key {key};" in text
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in text
    assert "add_header Strict-Transport-Security" not in text  # HSTS only when asked for
    plain = cli("nginx-config")
    assert "listen 80;" in plain and "ssl_" not in plain and " http2" not in plain
    if os.path.exists(NGINX):
        (tmp_path / "voxhub.conf").write_text(text.replace("listen 443", "listen 127.0.0.1:8443"))
        conf = nginx_main_config(tmp_path, tmp_path / "voxhub.conf")
        checked = subprocess.run(
            [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--tls-cert", "{cert}"], "--tls-cert and --tls-key go together"),
        (["--tls-key", "{key}"], "--tls-cert and --tls-key go together"),
        (["--tls-cert", "{cert}", "--tls-key", "/nonexistent/key.pem"], "--tls-key: no such file"),
    ],
)
def test_tls_needs_both_files(cli_result, tmp_path, arguments, says):
    from voxhub.testing import self_signed_certificate

    cert, key = self_signed_certificate(tmp_path)
    result = cli_result(
        "nginx-config", *(a.format(cert=cert, key=key) for a in arguments), ok=False
    )
    assert result.exit_code != 0 and result.stdout == ""
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "arguments",
    [
        ["--upstream", "127.0.0.1:8000; include /etc/passwd"],
        ["--server-name", "a.org}"],
        ["--listen", "80 default_server;"],
        ["--cache-dir", "/var/cache/$x"],
    ],
)
def test_a_value_that_would_change_the_configuration_is_refused(cli_result, arguments):
    result = cli_result("nginx-config", *arguments, ok=False)
    assert result.exit_code != 0 and result.stdout == ""
    assert "cannot go into an nginx configuration" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

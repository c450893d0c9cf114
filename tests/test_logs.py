"""No log line carries a whole token: paths with tokens are redacted in every logger."""

from __future__ import annotations

import logging

import pytest

from voxhub import logs
from voxhub.access.tokens import new_token, redact, redact_tokens

TOKEN = new_token()
SHARE = new_token("vxs_")


def test_tokens_inside_text_are_shortened():
    path = f"/zarr/token/{TOKEN}/lab/cells/color/zarr.json?token={SHARE}&x=1"
    clean = redact_tokens(path)
    assert TOKEN not in clean and SHARE not in clean
    assert (
        clean == f"/zarr/token/{redact(TOKEN)}/lab/cells/color/zarr.json?token={redact(SHARE)}&x=1"
    )
    assert redact_tokens("/zarr/lab/cells/color/1/c/0/0/0") == "/zarr/lab/cells/color/1/c/0/0/0"


@pytest.mark.parametrize(
    "name", ["voxhub.zarr", "uvicorn.access", "uvicorn.error", "granian.access"]
)
def test_every_logger_redacts_paths_and_tracebacks(name, caplog):
    logs.install()
    logs.install()  # twice is once
    logger = logging.getLogger(name)
    path = f"/zarr/token/{TOKEN}/lab/cells/color/zarr.json"
    with caplog.at_level(logging.INFO, logger=name):
        logger.info('127.0.0.1:5000 - "GET %s HTTP/1.1" %d', path, 500)
        try:
            raise ValueError(f"cannot serve {path}")
        except ValueError:
            logger.exception("unexpected error serving %s", path)
    text = caplog.text
    assert TOKEN not in text, text
    assert redact(TOKEN) in text and "ValueError: cannot serve" in text

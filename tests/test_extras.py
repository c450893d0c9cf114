"""A feature whose optional package is missing says which extra to install."""

from __future__ import annotations

import pytest

from voxhub.errors import Unavailable
from voxhub.extras import MissingExtra, optional


def test_present_module_is_returned() -> None:
    assert optional("json", "none", "JSON").dumps([1]) == "[1]"


def test_missing_module_names_the_extra() -> None:
    with pytest.raises(MissingExtra) as caught:
        optional("voxhub_no_such_package.sub", "formats", "CZI import")
    message = str(caught.value)
    assert "CZI import" in message and "voxhub[formats]" in message
    assert "voxhub_no_such_package" in message and ".sub" not in message
    assert isinstance(caught.value, Unavailable) and caught.value.code == "missing_extra"

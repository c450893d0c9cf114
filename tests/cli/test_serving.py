"""The port probe of ``voxhub serve``: busy whatever options the listener used."""

from __future__ import annotations

import socket

import pytest

from voxhub.cli.errors import AddressInUse
from voxhub.cli.serving import check_address_free


@pytest.mark.parametrize("reuse_port", [False, True])
def test_a_listening_port_is_busy_even_for_a_reuse_port_listener(reuse_port):
    with socket.socket() as listener:
        if reuse_port:  # what granian does: a second granian would share the port silently
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(AddressInUse, match="address already in use"):
            check_address_free("127.0.0.1", port)
        with pytest.raises(AddressInUse):  # every interface includes the loopback one
            check_address_free("0.0.0.0", port)
    check_address_free("127.0.0.1", port)  # free again once the listener is gone


def test_an_address_that_does_not_resolve_is_an_error():
    with pytest.raises(AddressInUse) as refused:
        check_address_free("no-such-host.invalid", 8000)
    assert refused.value.code == "bad_address"

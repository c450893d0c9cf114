"""Binding the HTTP port of ``voxhub serve``: refuse a busy one, announce only a bound one.

Granian binds with ``SO_REUSEPORT`` (each worker opens its own socket and the
kernel spreads connections among them). The same option lets a *second*
granian — another ``voxhub serve`` with another data folder — bind the same
port silently, and the kernel then splits requests between two hubs. So
before starting the server we bind the address once ourselves *without*
``SO_REUSEPORT``: that fails with EADDRINUSE whenever anything listens there.
A lock held for the life of the process (an abstract Unix socket named after
the address, released by the kernel when the process dies) keeps two
``voxhub serve`` starting at the same moment from both passing the probe.
"""

from __future__ import annotations

import errno
import socket
import sys
import threading
import time
from collections.abc import Callable

from voxhub.cli.errors import AddressInUse
from voxhub.extras import optional

_held: list[socket.socket] = []  # the start-up lock lives as long as the process


def _in_use(host: str, port: int) -> AddressInUse:
    return AddressInUse(
        f"{host}:{port}: address already in use (another server listens there); "
        "stop it or choose another --port"
    )


def check_address_free(host: str, port: int) -> None:
    """Raise ``AddressInUse`` when something listens on ``host:port``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise AddressInUse(
            f"cannot bind {host}:{port}: {exc.strerror}", code="bad_address"
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # SO_REUSEADDR only forgives TIME_WAIT leftovers of a server that just stopped;
        # without SO_REUSEPORT the bind fails while any socket listens on the address.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise _in_use(host, port) from None
            raise AddressInUse(
                f"cannot bind {host}:{port}: {exc.strerror}", code="bad_address"
            ) from None


def claim_address(host: str, port: int) -> None:
    """Take the start-up lock for ``host:port`` and check that nothing listens there."""
    if sys.platform.startswith("linux") and not _held:
        lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            lock.bind(f"\0voxhub-serve:{host}:{port}")
        except OSError:
            lock.close()
            raise _in_use(host, port) from None
        _held.append(lock)
    check_address_free(host, port)


def _connectable(host: str, port: int) -> tuple[str, int]:
    """The address a client of ``host:port`` connects to (a wildcard means this machine)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1", port
    if host == "::":
        return "::1", port
    return host, port


def announce_when_accepting(host: str, port: int, announce: Callable[[], None]) -> None:
    """Call ``announce`` from a background thread once ``host:port`` accepts connections.

    Neither server binds before ``announce`` could run where it hands control
    over: granian's workers each bind their own socket after they started and
    loaded the app, uvicorn binds inside ``run``. Announcing earlier told scripts
    waiting for the line to connect while the port still refused them.
    """
    address = _connectable(host, port)

    def wait() -> None:
        while True:
            try:
                with socket.create_connection(address, timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        announce()

    threading.Thread(target=wait, name="voxhub-announce", daemon=True).start()


def run_server(
    server: str, host: str, port: int, workers: int, announce: Callable[[], None]
) -> None:
    """Serve the app; ``announce`` runs once the server accepts connections."""
    target = "voxhub.api.app:app_from_env"
    check_address_free(host, port)  # again: the sample dataset may have taken minutes
    if server == "uvicorn":
        uvicorn = optional("uvicorn", "uvicorn", "VOXHUB_SERVER=uvicorn")
        announce_when_accepting(host, port, announce)
        uvicorn.run(
            target, host=host, port=port, factory=True, workers=workers, log_level="warning"
        )
        return
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    granian = Granian(
        target,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=workers,
        log_level=LogLevels.warning,
    )
    # granian's startup hooks run in the main process before the workers bind
    granian.on_startup(lambda: announce_when_accepting(host, port, announce))
    granian.serve()

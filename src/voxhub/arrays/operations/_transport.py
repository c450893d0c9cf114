"""Messages between a pipeline caller and its worker process: pickles plus arrays in memfds.

Arrays travel as anonymous memory files (``memfd_create``) whose descriptors
pass over the Unix socket with the message, so a 5 MB input costs one memory
copy and one round trip, not a stream of socket buffers each waiting for the
other process to be scheduled.
"""

from __future__ import annotations

import mmap
import os
import pickle
import socket
import struct
from typing import Any

import numpy as np

_HEADER = struct.Struct("!QI")  # pickle length, array count
MAX_ARRAYS = 64


def _to_fd(array: np.ndarray) -> int:
    fd = os.memfd_create("voxhub-pipeline", os.MFD_CLOEXEC)
    try:
        if array.nbytes:
            os.ftruncate(fd, array.nbytes)
            with mmap.mmap(fd, array.nbytes) as buffer:
                np.ndarray(array.shape, array.dtype, buffer=buffer)[...] = array
    except BaseException:
        os.close(fd)
        raise
    return fd


def _from_fd(fd: int, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """The array in ``fd`` (which is closed); its memory is released with the array."""
    try:
        size = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        if not size:
            return np.empty(shape, dtype)
        buffer = mmap.mmap(fd, size)
    finally:
        os.close(fd)
    return np.ndarray(shape, dtype, buffer=buffer)


def send(sock: socket.socket, message: Any, arrays: list[np.ndarray]) -> None:
    """Send ``message`` (picklable) and ``arrays`` (numeric numpy arrays) in one message."""
    arrays = [np.ascontiguousarray(a) for a in arrays]
    fds = [_to_fd(a) for a in arrays]
    try:
        described = [(a.shape, a.dtype.str) for a in arrays]
        body = pickle.dumps((message, described), protocol=pickle.HIGHEST_PROTOCOL)
        header = _HEADER.pack(len(body), len(fds))
        socket.send_fds(sock, [header], fds)
        sock.sendall(body)
    finally:
        for fd in fds:
            os.close(fd)


def recv(sock: socket.socket) -> tuple[Any, list[np.ndarray]]:
    """Receive what ``send`` sent; ``EOFError`` when the other side has gone."""
    data, fds, _flags, _address = socket.recv_fds(sock, _HEADER.size, MAX_ARRAYS)
    try:
        data = data + _exactly(sock, _HEADER.size - len(data))
        length, count = _HEADER.unpack(data)
        message, described = pickle.loads(_exactly(sock, length))
        if count != len(fds) or len(described) != len(fds):
            raise EOFError("malformed pipeline message")
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    pairs = zip(fds, described, strict=True)
    return message, [_from_fd(fd, tuple(shape), dtype) for fd, (shape, dtype) in pairs]


def _exactly(sock: socket.socket, size: int) -> bytes:
    parts = []
    while size > 0:
        part = sock.recv(min(size, 1 << 20))
        if not part:
            raise EOFError("the other side closed the connection")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)

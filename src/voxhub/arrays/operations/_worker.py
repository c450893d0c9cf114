"""A pipeline worker process: ``python -m voxhub.arrays.operations._worker FD``.

It reads ``(pipeline, limits, variable names)`` and the arrays (input, then
variables) from the Unix socket on file descriptor ``FD``, runs the pipeline
and sends back ``("ok", None)`` with the result array or ``("error", error)``,
until the socket closes. The parent (``isolate.WorkerPool``) kills it when a
pipeline passes the time cap.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

import numpy as np

from voxhub.arrays.errors import BadOperation
from voxhub.arrays.operations._transport import recv, send
from voxhub.errors import VoxhubError


def _run(message: Any, arrays: list[np.ndarray]) -> tuple[tuple[str, Any], list[np.ndarray]]:
    pipeline, limits, names = message
    data, values = arrays[0], arrays[1:]
    for array in arrays:
        array.flags.writeable = False  # shared with nobody, but steps must not write inputs
    try:
        variables = dict(zip(names, values, strict=True))
        result = pipeline.run_steps(data, limits=limits, variables=variables)
        result = np.asarray(result)
        if result.dtype.hasobject:
            raise BadOperation(f"{pipeline.param}: the result is not an array of numbers")
        return ("ok", None), [result]
    except VoxhubError as err:
        return ("error", err), []
    except MemoryError:
        return ("error", BadOperation(f"{pipeline.param}: needs more memory than allowed")), []
    except Exception as err:  # numpy raising something unexpected: still the pipeline's
        return ("error", BadOperation(f"{pipeline.param}: {type(err).__name__}: {err}")), []


def serve(sock: socket.socket) -> None:
    while True:
        try:
            message, arrays = recv(sock)
        except (EOFError, OSError):  # the parent is gone
            return
        outcome, results = _run(message, arrays)
        del arrays
        try:
            send(sock, outcome, results)
        except OSError:
            return
        del results


if __name__ == "__main__":
    import voxhub.arrays.operations  # noqa: F401  (step classes, before the first unpickle)

    serve(socket.socket(fileno=int(sys.argv[1])))

"""A minimal DigitalMicrograph (DM3/DM4) writer for tests: an image list with one image.

Writes the tag tree readers need: ImageList/<unnamed>/ImageData with Data,
DataType, Dimensions and Calibrations (scale, units per axis); little-endian
data, big-endian structure, 8-byte counts in version 4.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

DATA_TYPE = {"uint8": 6, "int8": 9, "int16": 1, "uint16": 10, "int32": 7, "uint32": 11,
             "float32": 2, "float64": 12}  # fmt: skip
ELEMENT_TYPE = {"uint8": 10, "int8": 9, "int16": 2, "uint16": 4, "int32": 3, "uint32": 5,
                "float32": 6, "float64": 7}  # fmt: skip


class _Writer:
    def __init__(self, version: int) -> None:
        self.version = version
        self.count = ">q" if version == 4 else ">l"

    def n(self, value: int) -> bytes:
        return struct.pack(self.count, value)

    def name(self, kind: int, label: str, body: bytes) -> bytes:
        head = struct.pack(">bh", kind, len(label)) + label.encode()
        if self.version == 4 and kind == 21:
            head += struct.pack(">q", len(body))
        return head + body

    def group(self, label: str, children: list[bytes]) -> bytes:
        body = b"\x00\x01"
        if self.version == 4:
            body += struct.pack(">q", 0)
        body += self.n(len(children)) + b"".join(children)
        return self.name(20, label, body)

    def simple(self, label: str, etype: int, fmt: str, value: object) -> bytes:
        body = b"%%%%" + self.n(1) + self.n(etype) + struct.pack("<" + fmt, value)
        return self.name(21, label, body)

    def array(self, label: str, etype: int, data: bytes, length: int) -> bytes:
        body = b"%%%%" + self.n(3) + self.n(20) + self.n(etype) + self.n(length) + data
        return self.name(21, label, body)


def write_dm(
    path: Path,
    image: np.ndarray,
    scale: float = 1.0,
    units: str = "nm",
    version: int | None = None,
    declared_shape: tuple[int, ...] | None = None,
) -> None:
    """Write a 2D (y, x) or 3D (z, y, x) image; version from the suffix unless given.

    ``declared_shape`` writes other dimensions than the data's (a corrupt header).
    """
    version = version or (4 if path.suffix.lower() == ".dm4" else 3)
    w = _Writer(version)
    dtype = str(image.dtype)
    dims = list(reversed(declared_shape or image.shape))  # DM lists x first
    dimensions = w.group("Dimensions", [w.simple("", 3, "l", d) for d in dims])
    calibration = [
        w.group(
            "",
            [
                w.simple("Origin", 6, "f", 0.0),
                w.simple("Scale", 6, "f", scale),
                w.array("Units", 4, units.encode("utf-16-le"), len(units)),
            ],
        )
        for _ in dims
    ]
    data = np.ascontiguousarray(image).astype(image.dtype.newbyteorder("<")).tobytes()
    image_data = w.group(
        "ImageData",
        [
            w.group("Calibrations", [w.group("Dimension", calibration)]),
            w.array("Data", ELEMENT_TYPE[dtype], data, image.size),
            w.simple("DataType", 3, "l", DATA_TYPE[dtype]),
            dimensions,
        ],
    )
    root = w.group("ImageList", [w.group("", [image_data, w.group("ImageTags", [])])])
    body = b"\x00\x01" + w.n(1) + root
    header = struct.pack(">l", version) + w.n(len(body)) + struct.pack(">l", 1)
    path.write_bytes(header + body + b"\x00" * 8)

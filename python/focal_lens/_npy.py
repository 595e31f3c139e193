"""The .npy format (version 1.0), written and read without numpy: enough for the per-epoch .npz
files (float32 scores, integer targets, the epoch, and the meta as a 0-d unicode array)."""
from __future__ import annotations

import ast
import struct
from typing import Any, Dict, IO, Tuple

MAGIC = b"\x93NUMPY\x01\x00"


def header(descr: str, shape: Tuple[int, ...]) -> bytes:
    """Magic, length and the dict literal, padded so the data starts at a multiple of 64 bytes."""
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    pad = -(len(MAGIC) + 2 + len(text) + 1) % 64
    body = (text + " " * pad + "\n").encode("latin1")
    return MAGIC + struct.pack("<H", len(body)) + body


def text_array(text: str) -> bytes:
    """A 0-d numpy unicode array holding `text` (np.load(...)[()] gives it back)."""
    data = text.encode("utf-32-le")
    return header("<U%d" % max(1, len(text)), ()) + (data or b"\0\0\0\0")


def read_header(stream: IO[bytes]) -> Dict[str, Any]:
    """The header dict of a .npy stream (descr, fortran_order, shape); leaves the stream at the data."""
    magic = stream.read(8)
    if magic[:6] != MAGIC[:6]:
        raise ValueError("not a .npy member (bad magic)")
    size_format = "<H" if magic[6] == 1 else "<I"
    (length,) = struct.unpack(size_format, stream.read(struct.calcsize(size_format)))
    return ast.literal_eval(stream.read(length).decode("latin1"))


def read_text_array(stream: IO[bytes]) -> str:
    h = read_header(stream)
    if not str(h["descr"]).startswith("<U") or h["shape"] != ():
        raise ValueError(f"expected a 0-d unicode array, got {h['descr']} {h['shape']}")
    return stream.read().decode("utf-32-le").rstrip("\0")

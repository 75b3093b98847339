"""The IDX file format of MNIST (LeCun et al.): a magic number, big-endian dimensions, then the raw data.

Magic: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
0x0E float64) and the number of dimensions; then one big-endian uint32 per dimension; then the data,
big-endian, C order. Files may be gzipped (recognised by their first bytes, not their name).
"""
from __future__ import annotations

import gzip
import os

import numpy as np

_CODES: dict[int, np.dtype] = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
                               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode the bytes of an IDX file (gzipped or not) into a native-endian NumPy array.

    Args:
        raw: the file's bytes.
        name: how errors refer to the data (e.g. its path).

    Raises:
        ValueError: a bad magic number, an unknown type code, or a size that does not match the header.
    """
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(f"read_idx: {name} is a damaged gzip file ({err})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"read_idx: {name} is not an IDX file (expected a magic number starting with two "
                         f"zero bytes, got {raw[:4]!r})")
    code, ndim = raw[2], raw[3]
    if code not in _CODES:
        raise ValueError(f"read_idx: {name} has unknown type code 0x{code:02X}; expected one of "
                         f"{', '.join(f'0x{c:02X}' for c in _CODES)}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {name} is truncated: its header needs {header} bytes, got {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _CODES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"read_idx: {name} has {len(raw)} bytes, but its header (shape {shape}, "
                         f"{dtype.name}) needs {expected}: the file is truncated or corrupt")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzipped or not) into a NumPy array of its shape and (native-endian) dtype.

    Args:
        path: the file.
    """
    with open(path, "rb") as f:
        return parse_idx(f.read(), repr(os.fspath(path)))


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file.

    Args:
        path: the file to write.
        array: a uint8, int8, int16, int32, float32 or float64 array with at most 255 dimensions.
        compress: gzip the file; by default, when ``path`` ends in ``.gz``.
    """
    array = np.asarray(array)
    code = next((c for c, dt in _CODES.items() if dt.newbyteorder("=") == array.dtype.newbyteorder("=")), None)
    if code is None:
        raise TypeError(f"write_idx: IDX cannot store dtype {array.dtype}; use uint8, int8, int16, int32, "
                        "float32 or float64")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    raw = header + np.ascontiguousarray(array, dtype=_CODES[code]).tobytes()
    if compress if compress is not None else os.fspath(path).endswith(".gz"):
        raw = gzip.compress(raw)
    with open(path, "wb") as f:
        f.write(raw)

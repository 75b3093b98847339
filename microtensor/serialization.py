"""save / load: tensors, state dicts and nested containers in a NumPy .npz archive that loading never executes.

The archive holds one ``.npy`` member per array (``a0``, ``a1``, ...) and a member ``__structure__``: UTF-8
JSON describing the saved object, whose leaves are plain JSON values (int, float, bool, str, null) or
tagged objects (``{"t": "tensor", "k": "a0", "requires_grad": false}``, ``{"t": "list", "v": [...]}``).
Loading parses each member's ``.npy`` header itself (bool and numeric dtypes only, never a pickle), checks
it against the size the archive records before decompressing anything, and checks the structure against
the members, so a pickle-bearing, tampered, truncated, oversized or foreign file is refused with an error
instead of being run or filling memory.
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import secrets
import zipfile
import zlib
from collections import OrderedDict
from typing import Any, BinaryIO

try:
    import fcntl
except ImportError:     # Windows, where a file open in another process cannot be deleted: lock enough
    fcntl = None    # type: ignore[assignment]  # mypy has no optional-module type; the code checks for None

import numpy as np

from microtensor import dtypes
from microtensor.tensor import CPU, Tensor

FORMAT = "microtensor"
VERSION = 1
_STRUCTURE = "__structure__"
_SCALARS = (bool, int, float, str, type(None))
_TAGS = {"tensor", "parameter", "ndarray", "npscalar", "list", "tuple", "dict", "odict"}
_NPY_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
_CHUNK = 1 << 20
_TEMP_SUFFIX = ".microtensor.tmp"
_TEMP_NAME = re.compile(r"\..+\.[0-9a-f]{12}" + re.escape(_TEMP_SUFFIX))
# what reading a damaged archive raises: bad deflate data, a bad CRC, a short read, bad bz2 data (OSError),
# a method zipfile lacks (NotImplementedError), an encrypted member (RuntimeError)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)


def _parameter_class() -> type:
    # nn sits above the core; it is imported only when a Parameter is saved or loaded
    from microtensor.nn.parameter import Parameter
    return Parameter


class _Encoder:
    """Turns an object into JSON-able nodes, collecting its arrays (each tensor stored once, so tensors
    shared between entries, e.g. tied weights, are shared again after loading)."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.keys_by_id: dict[int, str] = {}     # every keyed object is reachable from the root: ids stay unique

    def array_key(self, obj: Any, array: np.ndarray) -> str:
        key = self.keys_by_id.get(id(obj))
        if key is None:
            key = self.keys_by_id[id(obj)] = f"a{len(self.arrays)}"
            self.arrays[key] = array
        return key

    def encode(self, obj: Any, where: str) -> Any:
        if isinstance(obj, Tensor):
            parameter = _parameter_class()
            if type(obj) not in (Tensor, parameter):
                raise TypeError(f"save: cannot store {where}, a {type(obj).__name__} (a Tensor subclass)")
            tag = "parameter" if type(obj) is parameter else "tensor"
            return {"t": tag, "k": self.array_key(obj, obj._data), "requires_grad": obj.requires_grad}
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in "biufc":
                raise TypeError(f"save: cannot store {where}, a NumPy array of dtype {obj.dtype} "
                                "(only bool, integer, float and complex arrays)")
            return {"t": "ndarray", "k": self.array_key(obj, obj)}
        if isinstance(obj, np.generic) and obj.dtype.kind in "biufc":
            return {"t": "npscalar", "k": self.array_key(obj, np.asarray(obj))}
        if type(obj) in _SCALARS:
            if isinstance(obj, float) and not np.isfinite(obj):
                return {"t": "float", "v": repr(obj)}
            return obj
        if type(obj) in (list, tuple):
            return {"t": type(obj).__name__, "v": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if type(obj) in (dict, OrderedDict):
            items = []
            for k, v in obj.items():
                if type(k) not in _SCALARS:
                    raise TypeError(f"save: cannot store {where}: dict key {k!r} is a {type(k).__name__} "
                                    "(keys must be str, int, float, bool or None)")
                items.append([self.encode(k, where), self.encode(v, f"{where}[{k!r}]")])
            return {"t": "odict" if type(obj) is OrderedDict else "dict", "v": items}
        raise TypeError(f"save: cannot store {where}, a {type(obj).__name__}; supported are Tensors, Parameters, "
                        "NumPy arrays, dict/OrderedDict/list/tuple of them, int, float, bool, str and None")


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Save ``obj`` to a file (or a writable binary file object) in microtensor's .npz-based format.

    ``obj`` may be a Tensor or Parameter (dtype, shape and ``requires_grad`` are kept exactly; ``.grad`` is
    not saved), a NumPy array or scalar, an int/float/bool/str/None, or any nesting of dict, OrderedDict,
    list and tuple of these, so module and optimizer state dicts save as they are. A file path is written
    atomically: to a temporary file in the same folder, then renamed over ``f``, so an interrupted save
    leaves the old file intact; the temporary file of a save that was killed is deleted by the next save
    into that folder. The name is used as given (no ``.npz`` is appended).

    Args:
        obj: what to save.
        f: a path, or a binary file object open for writing.
    """
    encoder = _Encoder()
    root = encoder.encode(obj, "the object")
    structure = json.dumps({"format": FORMAT, "version": VERSION, "root": root}, allow_nan=False).encode()
    # Any values: NumPy's stub gives savez's **kwds the type of its allow_pickle keyword
    members: dict[str, Any] = dict(encoder.arrays, **{_STRUCTURE: np.frombuffer(structure, dtype=np.uint8)})
    if not isinstance(f, (str, os.PathLike)):
        np.savez(f, **members)
        return
    path = os.fspath(f)
    folder, base = os.path.split(os.path.abspath(path))
    _remove_abandoned_temps(folder)
    tmp, fd = _create_temp(folder, base)
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **members)
            out.flush()
            os.fsync(out.fileno())
            if fcntl is not None:
                os.replace(tmp, path)       # while still locked, so that no sweep takes it for abandoned
        if fcntl is None:
            os.replace(tmp, path)           # Windows renames only closed files
    except BaseException:
        os.unlink(tmp)
        raise


def _create_temp(folder: str, base: str) -> tuple[str, int]:
    """A new temporary file in ``folder`` and its descriptor, locked while the save writes it so that the
    sweep of another save leaves it alone."""
    while True:
        tmp = os.path.join(folder, f".{base}.{secrets.token_hex(6)}{_TEMP_SUFFIX}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)   # the umask applies, as for open()
        if fcntl is None:
            return tmp, fd
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(fd), os.stat(tmp)):
                return tmp, fd
        except FileNotFoundError:
            pass
        os.close(fd)        # a sweep deleted it between its creation and the lock: take another name


def _remove_abandoned_temps(folder: str) -> None:
    """Delete the temporary files that saves into ``folder`` left when they were killed: a running save
    holds a lock on its file (on Windows, an open handle, which makes deleting the file fail)."""
    for entry in os.scandir(folder):
        if not _TEMP_NAME.fullmatch(entry.name):
            continue
        try:
            if fcntl is None:
                os.unlink(entry.path)
            else:
                with open(entry.path, "rb") as held:
                    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    os.unlink(entry.path)
        except OSError:     # being written (locked), or already gone
            continue


class _Decoder:
    """Rebuilds an object from its nodes, checking every node against the archive's members."""

    def __init__(self, name: str, arrays: dict[str, np.ndarray]) -> None:
        self.name = name
        self.arrays = arrays
        self.made: dict[str, Any] = {}
        self.used: set[str] = set()

    def fail(self, why: str) -> ValueError:
        return ValueError(f"load: {self.name} is corrupt or was tampered with: {why}")

    def array(self, node: dict) -> np.ndarray:
        key = node.get("k")
        if not isinstance(key, str) or key not in self.arrays:
            raise self.fail(f"the structure refers to a missing array {key!r}")
        self.used.add(key)
        return self.arrays[key]

    def decode(self, node: Any) -> Any:
        if type(node) in _SCALARS:
            return node
        if type(node) is not dict or node.get("t") not in _TAGS | {"float"}:
            raise self.fail(f"unknown entry {str(node)[:80]!r} in the structure")
        tag = node["t"]
        if tag in ("tensor", "parameter"):
            return self.tensor(node)
        if tag == "ndarray":
            return self.made.setdefault(node["k"], self.array(node))
        if tag == "npscalar":
            return self.array(node)[()]
        if tag == "float":
            if node.get("v") not in ("nan", "inf", "-inf"):
                raise self.fail(f"bad float {node.get('v')!r}")
            return float(node["v"])
        items = node.get("v")
        if type(items) is not list:
            raise self.fail(f"a {tag} without its items")
        if tag in ("list", "tuple"):
            values = [self.decode(v) for v in items]
            return values if tag == "list" else tuple(values)
        if any(type(kv) is not list or len(kv) != 2 for kv in items):
            raise self.fail(f"a {tag} entry is not a [key, value] pair")
        keys = [self.decode(k) for k, _ in items]
        if any(type(k) not in _SCALARS for k in keys):
            raise self.fail(f"a {tag} key is not a plain value")
        return (OrderedDict if tag == "odict" else dict)(zip(keys, (self.decode(v) for _, v in items)))

    def tensor(self, node: dict) -> Tensor:
        key, requires_grad = node.get("k"), node.get("requires_grad")
        if key in self.made:
            return self.made[key]
        array = self.array(node)
        assert isinstance(key, str)     # array() has checked it
        if type(requires_grad) is not bool:
            raise self.fail(f"tensor {key!r} has no valid requires_grad flag")
        native = array.dtype.newbyteorder("=")
        if native not in [d.np for d in dtypes.ALL]:
            raise self.fail(f"tensor {key!r} has dtype {array.dtype}, which microtensor tensors do not use")
        array = array.astype(native, copy=False)
        if requires_grad and array.dtype.kind != "f":
            raise self.fail(f"tensor {key!r} of dtype {array.dtype} cannot require grad")
        if node["t"] == "parameter":
            made = _parameter_class()(Tensor._make(array), requires_grad)
        else:
            made = Tensor._make(array, requires_grad)
        self.made[key] = made
        return made


def _read_members(source: str | os.PathLike | io.BytesIO, name: str, max_bytes: int | None) -> dict[str, np.ndarray]:
    """Every member of the archive as an array, read without pickle; a clear error for anything else."""
    if isinstance(source, io.BytesIO):
        head = source.getvalue()[:6]
    else:
        with open(source, "rb") as f:
            head = f.read(6)
    if not head:
        raise ValueError(f"load: {name} is empty (truncated?), not a microtensor file")
    if head.startswith(b"\x80"):
        raise ValueError(f"load: refused {name}: it is a pickle, which could run code when loaded; microtensor "
                         "files never contain pickles (a torch.save file? load it with torch and save its tensors "
                         "again with microtensor.save)")
    if head.startswith(b"\x93NUMPY"):
        raise ValueError(f"load: {name} is a single NumPy array (.npy), not a microtensor file; read it with "
                         "numpy.load")
    if not head.startswith(b"PK"):
        raise ValueError(f"load: {name} is not a microtensor file (it does not start like an .npz archive: "
                         f"{head!r})")
    try:
        archive = zipfile.ZipFile(source)
    except (ValueError, *_ZIP_ERRORS) as err:
        raise ValueError(f"load: {name} is truncated or is not a microtensor file ({err})") from None
    with archive:
        infos = archive.infolist()
        keys = [info.filename.removesuffix(".npy") for info in infos]
        if _STRUCTURE not in keys:
            raise ValueError(f"load: {name} is an .npz archive but not a microtensor file (no {_STRUCTURE} "
                             "member; a torch.save file? load it with torch and save its tensors again with "
                             "microtensor.save)")
        for info, key in zip(infos, keys):
            if key == info.filename or keys.count(key) > 1:
                raise ValueError(f"load: {name} is corrupt or was tampered with: member {key!r} is not a NumPy "
                                 "array, or is there twice")
        total = sum(info.file_size for info in infos)
        if max_bytes is not None and total > max_bytes:
            raise ValueError(f"load: refused {name}: its arrays take {total} bytes once decompressed, more than "
                             f"max_bytes={max_bytes}; nothing was read")
        members = {}
        for info, key in zip(infos, keys):
            try:
                members[key] = _read_member(archive, info, name, key)
            except _ZIP_ERRORS as err:
                raise ValueError(f"load: {name} is truncated or corrupt: member {key!r} is unreadable "
                                 f"({type(err).__name__}: {err})") from None
    return members


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, key: str) -> np.ndarray:
    """One ``.npy`` member, its header checked before its data is read: bool or numeric dtype, and a shape
    whose size is the size the archive records; then the data in bounded chunks, so that memory follows the
    bytes actually decompressed, never a size the file merely claims."""
    with archive.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version not in _NPY_HEADERS:
                raise ValueError(f"unsupported .npy format version {version}")
            shape, fortran_order, dtype = _NPY_HEADERS[version](f)
        except ValueError as err:
            raise ValueError(f"load: {name} is corrupt: member {key!r} has no valid .npy header ({err})") from None
        if dtype.hasobject:
            raise ValueError(f"load: refused {name}: member {key!r} holds pickled Python objects, which could run "
                             "code when loaded; microtensor files never contain them, so nothing was loaded")
        if dtype.kind not in "biufc":
            raise ValueError(f"load: refused {name}: member {key!r} holds {dtype} values; only bool and numeric "
                             "arrays load (never strings, dates or records)")
        count = math.prod(shape)
        nbytes = count * dtype.itemsize
        if f.tell() + nbytes != info.file_size:
            raise ValueError(f"load: {name} is corrupt or was tampered with: member {key!r} claims a {shape} array "
                             f"of {dtype} ({f.tell() + nbytes} bytes with its header) but the archive records "
                             f"{info.file_size} bytes for it; refused before reading its data")
        data = bytearray()
        while len(data) < nbytes:
            chunk = f.read(min(_CHUNK, nbytes - len(data)))
            if not chunk:
                raise EOFError(f"the data ends after {len(data)} of {nbytes} bytes")
            data += chunk
    return np.frombuffer(data, dtype, count).reshape(shape, order="F" if fortran_order else "C")


def load(f: str | os.PathLike | BinaryIO, map_location: Any = None, *, weights_only: bool | None = None,
         max_bytes: int | None = None) -> Any:
    """Load an object saved by ``save``, without ever executing code from the file.

    Tensors come back with the dtype, shape and ``requires_grad`` they were saved with (as leaves),
    Parameters as ``nn.Parameter``, tensors saved once but referenced twice as one shared tensor, tuples
    as tuples and OrderedDicts as OrderedDicts.

    Args:
        f: a path, or a binary file object open for reading.
        map_location: accepted as in ``torch.load``: None or the CPU (``"cpu"``, a ``device``), the only
            place tensors live.
        weights_only: accepted as in ``torch.load``; loading is always restricted to data.
        max_bytes: for files from strangers: refuse the file, before reading any array, if its arrays take
            more than this many bytes once decompressed (None: no limit).

    Memory follows the data the file really holds: each array's header is checked against the size the
    archive records for it before anything is decompressed, and the data is read in bounded chunks, so a
    compression bomb or a header claiming a huge array is refused with a ValueError, not a MemoryError.
    Only bool and numeric arrays load (no objects, strings, dates or records).

    Raises:
        ValueError: the file holds pickled data or non-numeric arrays, is truncated, corrupt or tampered with,
            is larger than ``max_bytes``, or is not a microtensor file. Nothing in it is executed in any case.
    """
    if map_location is not None and map_location not in (CPU, "cpu"):
        raise ValueError(f"load: map_location must be None or 'cpu', got {map_location!r}")
    name = repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else "the file"
    if not isinstance(f, (str, os.PathLike)):
        f = io.BytesIO(f.read())
    members = _read_members(f, name, max_bytes)
    raw = members.pop(_STRUCTURE)
    decoder = _Decoder(name, members)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise decoder.fail(f"{_STRUCTURE} has dtype {raw.dtype} and shape {raw.shape}, expected 1-D uint8")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise decoder.fail(f"{_STRUCTURE} is not valid JSON ({type(err).__name__})") from None
    if type(header) is not dict or header.get("format") != FORMAT or "root" not in header:
        raise decoder.fail(f"{_STRUCTURE} does not describe a microtensor object")
    if header.get("version") != VERSION:
        raise ValueError(f"load: {name} has format version {header.get('version')!r}; this microtensor reads "
                         f"version {VERSION}")
    try:
        obj = decoder.decode(header["root"])
    except RecursionError:
        raise decoder.fail("the structure is nested too deeply") from None
    unused = set(members) - decoder.used
    if unused:
        raise decoder.fail(f"members {sorted(unused)} are not part of the saved object")
    return obj

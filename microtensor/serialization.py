"""save / load: tensors, state dicts, nested containers and whole modules and optimizers in a NumPy .npz
archive that loading never executes.

The archive holds one ``.npy`` member per array (``a0``, ``a1``, ...) and a member ``__structure__``: UTF-8
JSON describing the saved object, whose leaves are plain JSON values (int, float, bool, str, null) or
tagged objects (``{"t": "tensor", "k": "a0", "requires_grad": false}``, ``{"t": "list", "v": [...]}``).
Loading parses each member's ``.npy`` header itself (bool and numeric dtypes only, never a pickle), checks
it against the size the archive records before decompressing anything, and checks the structure against
the members, so a pickle-bearing, tampered, truncated, oversized or foreign file is refused with an error
instead of being run or filling memory.

A whole module or optimizer (any object whose state is its ``__dict__``) is an ``object`` node: the import path
of its class and its ``__dict__`` (parameters, buffers, submodules, plain attributes), encoded like everything
else. ``load`` rebuilds it with ``cls.__new__`` and that state, never calling ``__init__`` or anything the file
names, and only for the classes ``microtensor/load_policy.py`` allows. A file that holds no such node is
written as format version 1, which every microtensor reads.
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import secrets
import types
import zipfile
import zlib
from collections import Counter, OrderedDict, defaultdict
from typing import TYPE_CHECKING, Any, BinaryIO

try:
    import fcntl
except ImportError:     # Windows, where a file open in another process cannot be deleted: lock enough
    fcntl = None    # type: ignore[assignment]  # mypy has no optional-module type; the code checks for None

import numpy as np

from microtensor import dtypes
from microtensor.devices import CPU, device
from microtensor.dtypes import BFLOAT16, is_floating
from microtensor.load_policy import (
    add_safe_globals,
    clear_safe_globals,
    full_name,
    get_safe_globals,
    lookup,
    resolve,
    safe_globals,
)
from microtensor.tensor import Size, Tensor

if TYPE_CHECKING:
    from microtensor.nn.module import Module

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "load", "safe_globals", "save"]
FORMAT = "microtensor"
# NumPy array kinds that .npy stores and loads as themselves (bool, integers, floats, complex); a raw
# ml_dtypes bfloat16 array (kind "V") would come back as bytes, so tensors of it are stored as uint16 bits
_NPY_KINDS = "biufc"
VERSION = 2             # what this microtensor writes for objects, sets, dtypes...; plain data stays version 1
_READS = (1, 2)
_STRUCTURE = "__structure__"
_SCALARS = (bool, int, float, str, type(None))
_TAGS = {"tensor", "parameter", "ndarray", "npscalar", "list", "tuple", "dict", "odict", "float"}
_TAGS_V2 = {"object", "ref", "global", "set", "frozenset", "defaultdict", "counter", "dtype", "device", "size"}
_MAPPINGS = {"odict": OrderedDict, "counter": Counter}
_FACTORIES = {"dict": dict, "list": list, "set": set, "int": int, "float": float}    # a defaultdict's default
# methods through which a class takes over how pickle saves it: such state is not just the instance's __dict__
_PICKLE_HOOKS = ("__reduce__", "__reduce_ex__", "__getstate__", "__setstate__", "__getnewargs__",
                 "__getnewargs_ex__")
_NPY_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
_CHUNK = 1 << 20
_TEMP_SUFFIX = ".microtensor.tmp"
_TEMP_NAME = re.compile(r"\..+\.[0-9a-f]{12}" + re.escape(_TEMP_SUFFIX))
# what reading a damaged archive raises: bad deflate data, a bad CRC, a short read, bad bz2 data (OSError),
# a method zipfile lacks (NotImplementedError), an encrypted member (RuntimeError)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)


def _parameter_class() -> type:
    # nn sits above the core; it is imported only when a Parameter or a module is saved or loaded
    from microtensor.nn.parameter import Parameter
    return Parameter


def _module_class() -> type[Module]:
    from microtensor.nn.module import Module
    return Module


class _Encoder:
    """Turns an object into JSON-able nodes, collecting its arrays (each tensor stored once, so tensors
    shared between entries, e.g. tied weights, are shared again after loading; each object likewise)."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.keys_by_id: dict[int, str] = {}     # every keyed object is reachable from the root: ids stay unique
        self.objects_by_id: dict[int, int] = {}
        self.version = 1                          # raised to VERSION by the first node version 1 lacks

    def array_key(self, obj: Any, array: np.ndarray) -> str:
        key = self.keys_by_id.get(id(obj))
        if key is None:
            key = self.keys_by_id[id(obj)] = f"a{len(self.arrays)}"
            self.arrays[key] = array
        return key

    def tagged(self, tag: str, **fields: Any) -> dict:
        if tag in _TAGS_V2:
            self.version = VERSION
        return {"t": tag, **fields}

    def encode(self, obj: Any, where: str) -> Any:
        if isinstance(obj, Tensor):
            parameter = _parameter_class()
            if type(obj) not in (Tensor, parameter):
                raise TypeError(f"save: cannot store {where}, a {type(obj).__name__} (a Tensor subclass)")
            tag = "parameter" if type(obj) is parameter else "tensor"
            if obj._data.dtype == BFLOAT16:         # .npy has no bfloat16: store its bits as uint16
                return {"t": tag, "k": self.array_key(obj, obj._data.view(np.uint16)),
                        "requires_grad": obj.requires_grad, "bits_of": "bfloat16"}
            return {"t": tag, "k": self.array_key(obj, obj._data), "requires_grad": obj.requires_grad}
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in _NPY_KINDS:
                raise TypeError(f"save: cannot store {where}, a NumPy array of dtype {obj.dtype} "
                                "(only bool, integer, float and complex arrays)")
            return {"t": "ndarray", "k": self.array_key(obj, obj)}
        if isinstance(obj, np.generic) and obj.dtype.kind in _NPY_KINDS:
            return {"t": "npscalar", "k": self.array_key(obj, np.asarray(obj))}
        if type(obj) in _SCALARS:
            if isinstance(obj, float) and not np.isfinite(obj):
                return {"t": "float", "v": repr(obj)}
            return obj
        if type(obj) is Size:
            return self.tagged("size", v=list(obj))
        if type(obj) in (list, tuple):
            return {"t": type(obj).__name__, "v": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if type(obj) in (set, frozenset):
            return self.tagged(type(obj).__name__, v=[self.key(v, where) for v in obj])
        if type(obj) in (dict, OrderedDict, Counter, defaultdict):
            return self.mapping(obj, where)
        if isinstance(obj, dtypes.dtype):
            return self.tagged("dtype", v=obj.name)
        if type(obj) is device:
            return self.tagged("device", v=str(obj))
        if isinstance(obj, (type, types.FunctionType)):
            return self.tagged("global", **self.import_path(obj, where, obj))
        if isinstance(obj, types.MethodType):
            raise TypeError(f"save: cannot store {where}, the bound method {obj.__qualname__}: functions are "
                            "stored by import path, so only functions defined at the top level of a module")
        if hasattr(obj, "__dict__") and not isinstance(obj, types.ModuleType):
            return self.object(obj, where)
        raise TypeError(f"save: cannot store {where}, a {type(obj).__name__}; supported are Tensors, Parameters, "
                        "NumPy arrays, dict/OrderedDict/list/tuple of them, int, float, bool, str and None, "
                        "modules, optimizers and other objects whose state is their __dict__")

    def key(self, obj: Any, where: str) -> Any:
        """A dict key or set item: a plain value, or a Tensor (an optimizer's state is keyed by parameter)."""
        if type(obj) not in _SCALARS and not isinstance(obj, Tensor):
            raise TypeError(f"save: cannot store {where}: dict key or set item {obj!r} is a {type(obj).__name__} "
                            "(keys must be str, int, float, bool, None or Tensors)")
        if isinstance(obj, Tensor):
            self.version = VERSION
        return self.encode(obj, where)

    def mapping(self, obj: dict, where: str) -> dict:
        items = [[self.key(k, where), self.encode(v, f"{where}[{k!r}]")] for k, v in obj.items()]
        if type(obj) is defaultdict:
            factory = next((name for name, made in _FACTORIES.items() if obj.default_factory is made), None)
            if factory is None and obj.default_factory is not None:
                raise TypeError(f"save: cannot store {where}, a defaultdict of {obj.default_factory!r}: its "
                                f"default must be None or one of {', '.join(_FACTORIES)}")
            return self.tagged("defaultdict", factory=factory, v=items)
        tag = {dict: "dict", OrderedDict: "odict", Counter: "counter"}[type(obj)]
        return self.tagged(tag, v=items)

    def import_path(self, obj: Any, where: str, of: Any) -> dict[str, str]:
        """The module and qualified name under which ``load`` will find ``obj`` (a class or function)."""
        module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
        if not isinstance(module, str) or lookup(module, qualname) is not obj:
            raise TypeError(f"save: cannot store {where}: {of!r} is a {type(of).__name__} whose "
                            f"{'class' if of is not obj else 'definition'} {module}.{qualname} cannot be found "
                            "by that import path (a lambda, or defined inside a function?): define it at the top "
                            "level of a module, as pickle needs too")
        return {"module": module, "name": qualname}

    def object(self, obj: Any, where: str) -> dict:
        """An instance whose state is its ``__dict__``: its class's import path and that state."""
        index = self.objects_by_id.get(id(obj))
        if index is not None:
            return self.tagged("ref", i=index)
        cls = type(obj)
        hooks = [name for name in _PICKLE_HOOKS if any(name in vars(c) for c in cls.__mro__[:-1])]
        hooks += ["__slots__"] * any("__slots__" in vars(c) for c in cls.__mro__[:-1])
        hooks += [f"a subclass of the built-in {c.__name__}" for c in cls.__mro__[1:-1] if c.__module__ == "builtins"]
        if hooks:
            raise TypeError(f"save: cannot store {where}, a {full_name(cls)}: its class defines or is "
                            f"{', '.join(hooks)}, so its state is not just its __dict__, which is all microtensor's "
                            "format stores")
        path = self.import_path(cls, where, obj)
        index = self.objects_by_id[id(obj)] = len(self.objects_by_id)
        state = {name: self.encode(value, f"{where}.{name}") for name, value in vars(obj).items()}
        return self.tagged("object", i=index, **path, state=state)


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Save ``obj`` to a file (or a writable binary file object) in microtensor's .npz-based format.

    ``obj`` may be a Tensor or Parameter (dtype, shape and ``requires_grad`` are kept exactly; ``.grad`` is
    not saved), a NumPy array or scalar, an int/float/bool/str/None, a dtype, device or Size, or any nesting
    of dict (keys: plain values or Tensors), OrderedDict, defaultdict, Counter, list, tuple, set and frozenset
    of these, so module and optimizer state dicts save as they are. A whole module, optimizer or LR scheduler
    (any object whose state is its ``__dict__``) is saved as the import path of its class and that state;
    the classes and functions it refers to (a layer's activation, a hook) are saved by import path too, so
    they must be defined at the top level of a module (no lambdas), as pickle needs. See ``load`` for what
    is rebuilt. A file path is written
    atomically: to a temporary file in the same folder, then renamed over ``f``, so an interrupted save
    leaves the old file intact; the temporary file of a save that was killed is deleted by the next save
    into that folder. The name is used as given (no ``.npz`` is appended).

    Args:
        obj: what to save.
        f: a path, or a binary file object open for writing.
    """
    encoder = _Encoder()
    root = encoder.encode(obj, "the object")
    structure = json.dumps({"format": FORMAT, "version": encoder.version, "root": root}, allow_nan=False).encode()
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
    """Rebuilds an object from its nodes, checking every node against the archive's members; a class or
    function the file names is used only if ``microtensor/load_policy.py resolve()`` allows it."""

    def __init__(self, name: str, arrays: dict[str, np.ndarray], weights_only: bool) -> None:
        self.name = name
        self.arrays = arrays
        self.weights_only = weights_only
        self.made: dict[str, Any] = {}
        self.objects: dict[int, Any] = {}
        self.used: set[str] = set()
        self.tags = _TAGS           # what the file's format version has

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
        if type(node) is not dict or node.get("t") not in self.tags:
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
        if tag in ("object", "ref", "global"):
            return self.named(node)
        if tag in ("dtype", "device", "size"):
            return self.value(tag, node.get("v"))
        items = node.get("v")
        if type(items) is not list:
            raise self.fail(f"a {tag} without its items")
        if tag in ("list", "tuple"):
            values = [self.decode(v) for v in items]
            return values if tag == "list" else tuple(values)
        if tag in ("set", "frozenset"):
            return (set if tag == "set" else frozenset)(self.key(v, tag) for v in items)
        if any(type(kv) is not list or len(kv) != 2 for kv in items):
            raise self.fail(f"a {tag} entry is not a [key, value] pair")
        keys = [self.key(k, tag) for k, _ in items]
        pairs = dict(zip(keys, (self.decode(v) for _, v in items)))
        if tag != "defaultdict":
            return pairs if tag == "dict" else _MAPPINGS[tag](pairs)
        factory = node.get("factory")
        if factory is not None and factory not in _FACTORIES:
            raise self.fail(f"a defaultdict of {str(factory)[:40]!r}")
        return defaultdict(None if factory is None else _FACTORIES[factory], pairs)

    def key(self, node: Any, tag: str) -> Any:
        """A dict key or set item: a plain value or a tensor."""
        if type(node) is dict and node.get("t") in ("tensor", "parameter"):
            return self.tensor(node)
        if type(node) not in _SCALARS:
            raise self.fail(f"a {tag} key is not a plain value")
        return node

    def value(self, tag: str, v: Any) -> Any:
        """A dtype, device or Size."""
        if tag == "dtype":
            made = next((d for d in dtypes.ALL if d.name == v), None)
            if made is None:
                raise self.fail(f"unknown dtype {str(v)[:40]!r}")
            return made
        if tag == "size":
            if type(v) is not list or any(type(n) is not int or n < 0 for n in v):
                raise self.fail(f"a Size of {str(v)[:80]!r}")
            return Size(v)
        try:
            return device(v) if isinstance(v, str) else None
        except (RuntimeError, ValueError):
            raise self.fail(f"unknown device {v[:40]!r}") from None

    def named(self, node: dict) -> Any:
        """An object (its class resolved, built with ``cls.__new__``, then given its state), a reference to an
        object already built, or a class or function."""
        index = node.get("i")
        if node["t"] == "ref":
            if type(index) is not int or index not in self.objects:
                raise self.fail(f"a reference to object {str(index)[:20]} before it is defined")
            return self.objects[index]
        module, qualname = node.get("module"), node.get("name")
        if not isinstance(module, str) or not isinstance(qualname, str):
            raise self.fail(f"a {node['t']} without its module and name")
        found = resolve(module, qualname, self.weights_only, self.name)
        if node["t"] == "global":
            return found
        state = node.get("state")
        if type(index) is not int or index in self.objects or type(state) is not dict:
            raise self.fail(f"object {module}.{qualname} has no valid index and state")
        if not isinstance(found, type):
            raise self.fail(f"{module}.{qualname} is a {type(found).__name__}, not a class")
        cls: Any = found        # any class the policy allows: its own __new__, never its __init__
        try:
            obj = cls.__new__(cls)
            attributes = vars(obj)
        except TypeError as err:
            raise self.fail(f"a {module}.{qualname} cannot be rebuilt from its state ({err})") from None
        self.objects[index] = obj                 # before its state: the state may refer back to it
        attributes.update((name, self.decode(value)) for name, value in state.items())
        if isinstance(obj, _module_class()):
            self.check_module(obj, f"{module}.{qualname}")
        return obj

    def check_module(self, module: Any, what: str) -> None:
        """A rebuilt module has the registries every Module has (those a file from an older microtensor lacks
        are added empty), holding what they hold in a module that was built normally."""
        base = _module_class()
        fresh = base()
        attributes = vars(module)
        for name, default in vars(fresh).items():
            if type(attributes.setdefault(name, default)) is not type(default):
                raise self.fail(f"the {what}'s {name} is a {type(attributes[name]).__name__}, not a "
                                f"{type(default).__name__}")
        kinds = {"_parameters": _parameter_class(), "_buffers": Tensor, "_modules": base}
        for name, kind in kinds.items():
            for key, value in attributes[name].items():
                if type(key) is not str or not (value is None or isinstance(value, kind)):
                    raise self.fail(f"the {what}'s {name} holds {str(key)[:40]!r}: a {type(value).__name__}")

    def tensor(self, node: dict) -> Tensor:
        key, requires_grad = node.get("k"), node.get("requires_grad")
        if key in self.made:
            return self.made[key]
        array = self.array(node)
        assert isinstance(key, str)     # array() has checked it
        if type(requires_grad) is not bool:
            raise self.fail(f"tensor {key!r} has no valid requires_grad flag")
        native = array.dtype.newbyteorder("=")
        bfloat16_bits = node.get("bits_of") == "bfloat16"
        if bfloat16_bits and native != np.uint16:
            raise self.fail(f"tensor {key!r} holds bfloat16 bits as {array.dtype}, not uint16")
        if not bfloat16_bits and native not in [d.np for d in dtypes.ALL]:
            raise self.fail(f"tensor {key!r} has dtype {array.dtype}, which microtensor tensors do not use")
        array = array.astype(native, copy=False)
        if bfloat16_bits:
            array = array.view(BFLOAT16)
        if requires_grad and not is_floating(array.dtype):
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
        if dtype.kind not in _NPY_KINDS:
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
    Parameters as ``nn.Parameter``, tensors (and objects) saved once but referenced twice as one shared
    tensor (object), tuples as tuples and OrderedDicts as OrderedDicts.

    A saved module, optimizer or LR scheduler comes back as an instance of its class, rebuilt with
    ``cls.__new__`` and the state the file holds: no ``__init__``, nothing the file names is called. Only
    these classes are rebuilt (and only these functions referred to, e.g. a layer's activation): microtensor's
    own modules, optimizers and LR schedulers and ``microtensor.nn.functional``'s functions; those allowed
    with ``add_safe_globals`` or the ``safe_globals`` context manager (your own ``nn.Module`` subclasses); and,
    with ``weights_only=False``, the ``nn.Module``/``Optimizer``/``LRScheduler`` subclasses of the modules
    imported so far (load never imports one). Anything else raises an ``UnsupportedGlobal`` (a
    ``pickle.UnpicklingError``, as PyTorch raises, and a ValueError) naming it and how to allow it.

    Args:
        f: a path, or a binary file object open for reading.
        map_location: accepted as in ``torch.load``: None or the CPU (``"cpu"``, a ``device``), the only
            place tensors live.
        weights_only: PyTorch's switch between restricted loading (None, the default, and True: data and the
            classes above) and trusting the file (False: also the imported module, optimizer and scheduler
            classes above). Loading never runs code from the file either way.
        max_bytes: for files from strangers: refuse the file, before reading any array, if its arrays take
            more than this many bytes once decompressed (None: no limit).

    Memory follows the data the file really holds: each array's header is checked against the size the
    archive records for it before anything is decompressed, and the data is read in bounded chunks, so a
    compression bomb or a header claiming a huge array is refused with a ValueError, not a MemoryError.
    Only bool and numeric arrays load (no objects, strings, dates or records).

    Raises:
        ValueError: the file holds pickled data or non-numeric arrays, is truncated, corrupt or tampered with,
            is larger than ``max_bytes``, names a class or function that is not allowed, or is not a
            microtensor file. Nothing in it is executed in any case.
    """
    if map_location is not None and map_location not in (CPU, "cpu"):
        raise ValueError(f"load: map_location must be None or 'cpu', got {map_location!r}")
    name = repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else "the file"
    if not isinstance(f, (str, os.PathLike)):
        f = io.BytesIO(f.read())
    members = _read_members(f, name, max_bytes)
    raw = members.pop(_STRUCTURE)
    decoder = _Decoder(name, members, weights_only is not False)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise decoder.fail(f"{_STRUCTURE} has dtype {raw.dtype} and shape {raw.shape}, expected 1-D uint8")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise decoder.fail(f"{_STRUCTURE} is not valid JSON ({type(err).__name__})") from None
    if type(header) is not dict or header.get("format") != FORMAT or "root" not in header:
        raise decoder.fail(f"{_STRUCTURE} does not describe a microtensor object")
    if header.get("version") not in _READS:
        raise ValueError(f"load: {name} has format version {header.get('version')!r}; this microtensor reads "
                         f"versions {', '.join(map(str, _READS))}")
    decoder.tags = _TAGS if header["version"] == 1 else _TAGS | _TAGS_V2
    try:
        obj = decoder.decode(header["root"])
    except RecursionError:
        raise decoder.fail("the structure is nested too deeply") from None
    unused = set(members) - decoder.used
    if unused:
        raise decoder.fail(f"members {sorted(unused)} are not part of the saved object")
    return obj

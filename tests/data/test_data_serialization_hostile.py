"""mt.load on hostile or broken files: compression bombs and lying headers are refused before anything large is
allocated, only numeric arrays load, ``max_bytes`` caps what a file may expand to, damage gives a clear
ValueError, and a killed save leaves no temporary file behind the next save."""
import io
import json
import os
import signal
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import microtensor as mt
from microtensor import load, save

GiB = 1 << 30


def structure(root):
    return json.dumps({"format": "microtensor", "version": 1, "root": root}).encode()


def npy_header(shape, dtype="<f4"):
    """The bytes np.save writes before an array's data."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def zeros_deflated(header, nbytes):
    """Raw deflate of ``header`` then ``nbytes`` zero bytes, built from one compressed MiB repeated (each
    piece ends in a full flush, so the pieces decode on their own): the test never holds the zeros."""
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = zlib.compressobj(9, zlib.DEFLATED, -15)
    mib, rest = divmod(nbytes, 1 << 20)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    return (head.compress(header) + head.flush(zlib.Z_FULL_FLUSH)
            + (piece.compress(bytes(1 << 20)) + piece.flush(zlib.Z_FULL_FLUSH)) * mib
            + tail.compress(bytes(rest)) + tail.flush())


def write_zip(path, members):
    """A zip archive written field by field, so that it can record any size: ``members`` are
    ``(name, data as stored, method, size it records once decompressed, CRC-32)``."""
    out, central = bytearray(), bytearray()
    for name, data, method, size, crc in members:
        name = name.encode()
        fields = struct.pack("<HHHHHIIIHH", 20, 0, method, 0, 0x21, crc, len(data), size, len(name), 0)
        central += struct.pack("<IH", 0x02014B50, 20) + fields + struct.pack("<HHHII", 0, 0, 0, 0, len(out)) + name
        out += struct.pack("<I", 0x04034B50) + fields + name + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))


def stored(name, data):
    return name, data, zipfile.ZIP_STORED, len(data), zlib.crc32(data)


def tensor_file(path, member):
    """A microtensor file whose one tensor ``a0`` is ``member``."""
    write_zip(path, [member, stored("__structure__.npy", npy_header((len(s := structure(
        {"t": "tensor", "k": "a0", "requires_grad": False})),), "|u1") + s)])


def peak_bytes(fn):
    """What ``fn`` raised and the most memory (traced by Python and NumPy) allocated while it ran."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as err:
            fn()
        return err.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ----------------------------------------------------------------------------- sizes
def test_deflate_bomb_is_refused_before_it_is_expanded(tmp_path):
    """3 GiB of zeros in about 3 MB: refused by max_bytes when its sizes are honest, and without any cap when
    the archive records a size other than the one its header claims."""
    header = npy_header((3 * GiB // 4,))
    bomb = zeros_deflated(header, 3 * GiB)
    assert len(bomb) < 4_000_000
    honest, lying = tmp_path / "honest.mt", tmp_path / "lying.mt"
    tensor_file(honest, ("a0.npy", bomb, zipfile.ZIP_DEFLATED, len(header) + 3 * GiB, 0))   # CRC never reached
    tensor_file(lying, ("a0.npy", bomb, zipfile.ZIP_DEFLATED, 1000, zlib.crc32(header + bytes(1000 - len(header)))))
    err, peak = peak_bytes(lambda: load(honest, max_bytes=100 << 20))
    assert "arrays take 3221225" in str(err) and "more than max_bytes=104857600" in str(err)
    assert peak < 1 << 20
    err, peak = peak_bytes(lambda: load(lying))
    assert "member 'a0' claims a (805306368,) array of float32 (3221225600 bytes with its header) but the " \
           "archive records 1000 bytes" in str(err)
    assert peak < 1 << 20


@pytest.mark.parametrize("as_bytes", [False, True])
def test_header_claiming_1e11_floats_is_refused_without_allocating(tmp_path, as_bytes):
    path = tmp_path / "huge.mt"
    tensor_file(path, stored("a0.npy", npy_header((10**11,)) + bytes(16)))
    source = io.BytesIO(path.read_bytes()) if as_bytes else path
    err, peak = peak_bytes(lambda: load(source))
    assert "claims a (100000000000,) array of float32" in str(err)
    assert peak < 1 << 20


def test_data_shorter_than_recorded_is_truncated_not_allocated(tmp_path):
    """Header and recorded size agree on 400 MB, but the deflate stream ends after 1 MiB: memory follows the
    bytes that are really there."""
    header = npy_header((100_000_000,))
    path = tmp_path / "short.mt"
    tensor_file(path, ("a0.npy", zeros_deflated(header, 1 << 20), zipfile.ZIP_DEFLATED, len(header) + 400_000_000, 0))
    err, peak = peak_bytes(lambda: load(path))
    assert "truncated or corrupt: member 'a0' is unreadable" in str(err)
    assert peak < 8 << 20


def test_max_bytes_counts_every_member(tmp_path):
    path = tmp_path / "w.mt"
    save({"w": mt.arange(1000.0), "b": mt.zeros(3)}, path)
    with zipfile.ZipFile(path) as z:
        total = sum(info.file_size for info in z.infolist())
    assert total > 4000
    assert load(path, max_bytes=total)["w"].shape == (1000,)
    message = f"arrays take {total} bytes once decompressed, more than max_bytes={total - 1}"
    with pytest.raises(ValueError, match=message):
        load(path, max_bytes=total - 1)


# ----------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("array, what", [
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime64"),
    (np.array([1], dtype="timedelta64[s]"), "timedelta64"),
    (np.array(["text"]), "<U4"),
    (np.array([b"bytes"]), "|S5"),
    (np.zeros(2, dtype="V4"), "|V4"),
    (np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]), r"\[\('a', '<f4'\), \('b', '<i4'\)\]"),
    (np.array([None, 1], dtype=object), "pickled Python objects"),
])
def test_only_numeric_and_bool_arrays_load(tmp_path, array, what):
    path = tmp_path / "odd.mt"
    np.savez(path.open("wb"), a0=array, __structure__=np.frombuffer(structure({"t": "ndarray", "k": "a0"}), np.uint8))
    with pytest.raises(ValueError, match=f"refused .*member 'a0' holds .*{what}"):
        load(path)


def test_numeric_arrays_of_every_kind_still_load(tmp_path):
    arrays = [np.array([True]), np.arange(3, dtype=">i2"), np.arange(4, dtype=np.uint32).reshape(2, 2).T,
              np.ones(2, np.complex64), np.zeros((0, 3))]
    save(arrays, tmp_path / "a.mt")
    for got, expected in zip(load(tmp_path / "a.mt"), arrays):
        assert got.dtype == expected.dtype and got.flags.writeable
        np.testing.assert_array_equal(got, expected)


# ----------------------------------------------------------------------------- damage
@pytest.mark.parametrize("compressed", [False, True])
def test_every_truncation_and_flipped_byte_is_a_clear_value_error(tmp_path, compressed):
    path = tmp_path / "good.mt"
    arrays = {"a0": np.arange(300.0), "__structure__": np.frombuffer(structure({"t": "ndarray", "k": "a0"}), np.uint8)}
    (np.savez_compressed if compressed else np.savez)(path.open("wb"), **arrays)
    raw = path.read_bytes()
    np.testing.assert_array_equal(load(path), arrays["a0"])
    bad = tmp_path / "bad.mt"
    for cut in range(0, len(raw), 7):
        bad.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="load: "):
            load(bad)
    for at in range(0, len(raw), 5):
        flipped = bytearray(raw)
        flipped[at] ^= 0xFF
        bad.write_bytes(bytes(flipped))
        try:
            load(bad)               # a flip in a field nothing reads (a timestamp) is harmless
        except ValueError as err:
            assert str(err).startswith("load: ")


# ----------------------------------------------------------------------------- killed saves
def temps(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".microtensor.tmp"))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_save_leaves_no_temporary_file_after_the_next_save(tmp_path):
    script = ("import os, signal, numpy as np, microtensor as mt\n"
              "def dying(f, **members):\n"
              "    f.write(b'PK half a file')\n"
              "    f.flush()\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n"
              "np.savez = dying\n"
              f"mt.save({{'w': mt.ones(3)}}, {str(tmp_path / 'ckpt.mt')!r})\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -signal.SIGKILL
    assert len(temps(tmp_path)) == 1 and not (tmp_path / "ckpt.mt").exists()
    save(1, tmp_path / "other.mt")                        # any save into the folder sweeps it
    assert sorted(os.listdir(tmp_path)) == ["other.mt"]


def test_a_running_save_keeps_its_temporary_file(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    live = tmp_path / ".ckpt.mt.0123456789ab.microtensor.tmp"
    abandoned = tmp_path / ".ckpt.mt.ba9876543210.microtensor.tmp"
    unrelated = tmp_path / ".ckpt.mt.backup.tmp"
    for path in (live, abandoned, unrelated):
        path.write_bytes(b"PK")
    with open(live, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)                   # as a save in another process holds it
        save(1, tmp_path / "ckpt.mt")
        assert temps(tmp_path) == [live.name] and unrelated.exists()
    save(2, tmp_path / "ckpt.mt")
    assert temps(tmp_path) == [] and load(tmp_path / "ckpt.mt") == 2


# ----------------------------------------------------------------------------- names of classes and functions
TRAPS = []


class Trap:
    """Records any of its code that runs: loading a file that names it must run none."""

    def __new__(cls, *args):
        TRAPS.append("__new__")
        return super().__new__(cls)

    def __init__(self, *args):
        TRAPS.append("__init__")

    def __setstate__(self, state):
        TRAPS.append("__setstate__")

    def __del__(self):
        TRAPS.append("__del__")


class TrapModule(mt.nn.Module):
    """A Module subclass (so weights_only=False may rebuild it) whose constructor and __setstate__ record."""

    def __init__(self):
        TRAPS.append("__init__")
        super().__init__()

    def __setstate__(self, state):
        TRAPS.append("__setstate__")


def trap(*args):
    TRAPS.append("called")


def named_file(path, root, arrays=(), version=2):
    structure = json.dumps({"format": "microtensor", "version": version, "root": root}).encode()
    np.savez(path.open("wb"), **dict(arrays), __structure__=np.frombuffer(structure, np.uint8))


def an_object(module, name, state=None):
    return {"t": "object", "i": 0, "module": module, "name": name, "state": {} if state is None else state}


@pytest.mark.parametrize("weights_only", [None, True, False])
@pytest.mark.parametrize("root", [
    an_object("os", "system"), {"t": "global", "module": "builtins", "name": "eval"},
    an_object("subprocess", "Popen"), {"t": "global", "module": "microtensor.serialization", "name": "save"},
    an_object("microtensor", "load"), an_object("microtensor.tensor", "Tensor"),
    an_object("microtensor.random", "Generator"), {"t": "global", "module": "__main__", "name": "__builtins__.eval"},
    {"t": "global", "module": "microtensor.nn.linear", "name": "Linear.__init__"},
    an_object(__name__, "Trap"), {"t": "global", "module": __name__, "name": "trap"},
    {"t": "list", "v": [{"t": "global", "module": "microtensor.nn.functional", "name": "relu"},
                        an_object("posix", "system")]},
], ids=lambda root: json.dumps(root)[:60])
def test_classes_and_functions_that_are_not_allowed_are_refused_unrun(tmp_path, root, weights_only):
    TRAPS.clear()
    named_file(tmp_path / "named.pt", root)
    with pytest.raises(ValueError, match="Unsupported global: .* was not an allowed global by default"):
        load(tmp_path / "named.pt", weights_only=weights_only)
    assert TRAPS == []


def test_an_allowed_class_is_rebuilt_without_running_its_code(tmp_path):
    TRAPS.clear()
    named_file(tmp_path / "trap.pt", an_object(__name__, "TrapModule"))
    module = load(tmp_path / "trap.pt", weights_only=False)     # a Module subclass from an imported module
    assert type(module) is TrapModule and module.training and list(module.parameters()) == []
    assert TRAPS == []


@pytest.mark.parametrize("root, message", [
    (an_object("microtensor.nn.functional", "relu"), "microtensor.nn.functional.relu is a function, not a class"),
    ({"t": "ref", "i": 0}, "a reference to object 0 before it is defined"),
    ({"t": "list", "v": [an_object("microtensor.nn.activation", "ReLU"), an_object("microtensor.nn.activation",
                                                                                    "ReLU")]},
     "object microtensor.nn.activation.ReLU has no valid index"),
    ({"t": "object", "i": 0, "module": "microtensor.nn.activation", "name": "ReLU"}, "no valid index and state"),
    ({"t": "object", "i": 0, "module": ["os"], "name": "system", "state": {}}, "without its module and name"),
    (an_object("microtensor.nn.linear", "Linear", {"_parameters": {"t": "list", "v": []}}),
     "the microtensor.nn.linear.Linear's _parameters is a list, not a dict"),
    (an_object("microtensor.nn.container", "Sequential", {"_modules": {"t": "dict", "v": [["0", 5]]}}),
     "Sequential's _modules holds '0': a int"),
    ({"t": "dtype", "v": "object"}, "unknown dtype 'object'"),
    ({"t": "size", "v": [2, -1]}, r"a Size of '\[2, -1\]'"),
    ({"t": "device", "v": "nonsense:7"}, "unknown device 'nonsense:7'"),
    ({"t": "defaultdict", "factory": "eval", "v": []}, "a defaultdict of 'eval'"),
    ({"t": "set", "v": [{"t": "list", "v": []}]}, "a set key is not a plain value"),
])
def test_tampered_objects_are_refused(tmp_path, root, message):
    named_file(tmp_path / "bad.pt", root)
    with pytest.raises(ValueError, match=message):
        load(tmp_path / "bad.pt")


def test_version_1_files_hold_no_objects_and_unknown_versions_are_refused(tmp_path):
    named_file(tmp_path / "v1.pt", an_object("microtensor.nn.activation", "ReLU"), version=1)
    with pytest.raises(ValueError, match="unknown entry"):
        load(tmp_path / "v1.pt")
    named_file(tmp_path / "v3.pt", 1, version=3)
    with pytest.raises(ValueError, match="has format version 3; this microtensor reads versions 1, 2"):
        load(tmp_path / "v3.pt")

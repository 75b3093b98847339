"""The MNIST downloader against a local HTTP server on 127.0.0.1 serving small IDX files made here: success,
caching, a corrupted file, a dropped connection, an interrupted download, no server at all, one that never answers."""
import gzip
import hashlib
import http.server
import os
import socket
import threading
import time

import numpy as np
import pytest

from microtensor.datasets import DownloadError, data_root, download, downloader, fashion_mnist, mnist, write_idx
from microtensor.datasets.mnist import SPLITS


def idx_bytes(array):
    """The gzipped IDX encoding of ``array``, written by write_idx."""
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "a.gz")
        write_idx(path, array)
        with open(path, "rb") as f:
            return f.read()


class Server:
    """A threaded HTTP server on 127.0.0.1: ``files`` maps paths to bytes; paths under /drop/ send the
    full Content-Length but only half the body before closing the connection."""

    def __init__(self):
        self.files, self.requests = {}, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                data = server.files.get(self.path.replace("/drop/", "/"))
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.path.startswith("/drop/"):
                    self.wfile.write(data[:len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                else:
                    self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def tiny_mnist(n=6, seed=0):
    """Four gzipped IDX files of a 6-image MNIST lookalike, and their SHA-256 sums."""
    rng = np.random.default_rng(seed)
    arrays = {SPLITS[True][0]: rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
              SPLITS[True][1]: rng.integers(0, 10, n, dtype=np.uint8),
              SPLITS[False][0]: rng.integers(0, 256, (n // 2, 28, 28), dtype=np.uint8),
              SPLITS[False][1]: rng.integers(0, 10, n // 2, dtype=np.uint8)}
    files = {name: idx_bytes(a) for name, a in arrays.items()}
    return arrays, files, {name: hashlib.sha256(raw).hexdigest() for name, raw in files.items()}


def serve(server, files, prefix="mnist/"):
    server.files.update({f"/{prefix}{name}": raw for name, raw in files.items()})
    return server.url + prefix


def test_mnist_downloads_verifies_and_caches(server, tmp_path):
    arrays, files, sums = tiny_mnist()
    url = serve(server, files)
    for train in (True, False):
        ds = mnist(train=train, root=tmp_path, base_url=url, checksums=sums, progress=True)
        images, labels = ds.tensors
        n = 6 if train else 3
        assert tuple(images.shape) == (n, 1, 28, 28) and str(images.dtype) == "microtensor.float32"
        assert tuple(labels.shape) == (n,) and str(labels.dtype) == "microtensor.int64"
        np.testing.assert_allclose(images.numpy()[:, 0], arrays[SPLITS[train][0]] / 255.0, rtol=1e-6)
        np.testing.assert_array_equal(labels.numpy(), arrays[SPLITS[train][1]])
    assert sorted(os.listdir(tmp_path / "mnist")) == sorted(files)
    requests = len(server.requests)
    mnist(root=tmp_path, base_url=url, checksums=sums)          # cached: no new request
    assert len(server.requests) == requests == 4


def test_fashion_mnist_and_environment_root(server, tmp_path, monkeypatch):
    _, files, sums = tiny_mnist(seed=1)
    url = serve(server, files, "fashion/")
    monkeypatch.setenv("MICROTENSOR_DATA", str(tmp_path / "cache"))
    assert data_root() == tmp_path / "cache"
    ds = fashion_mnist(train=False, base_url=url, checksums=sums, progress=False)
    assert len(ds) == 3 and sorted(os.listdir(tmp_path / "cache" / "fashion-mnist")) == sorted(SPLITS[False])
    monkeypatch.delenv("MICROTENSOR_DATA")
    assert data_root() == data_root(os.path.expanduser("~/.cache/microtensor"))


def test_uncompressed_files_in_the_cache_are_read(tmp_path):
    arrays, files, _ = tiny_mnist()
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name, raw in files.items():
        (folder / name.removesuffix(".gz")).write_bytes(gzip.decompress(raw))
    _, labels = mnist(train=True, root=tmp_path, download=False).tensors
    np.testing.assert_array_equal(labels.numpy(), arrays[SPLITS[True][1]])


def test_missing_file_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"MNIST: .*train-images-idx3-ubyte.gz is missing \(and "
                                                r"download=False\)"):
        mnist(root=tmp_path, download=False)


def test_corrupted_file_fails_its_checksum_and_nothing_is_cached(server, tmp_path):
    _, files, sums = tiny_mnist()
    bad = dict(files)
    name = SPLITS[True][0]
    bad[name] = bad[name][:-1] + bytes([bad[name][-1] ^ 1])
    url = serve(server, bad)
    with pytest.raises(DownloadError, match=f"checksum mismatch for {url}{name}: expected SHA-256 {sums[name]}"):
        mnist(root=tmp_path, base_url=url, checksums=sums)
    assert not (tmp_path / "mnist").exists() or os.listdir(tmp_path / "mnist") == []


def test_dropped_connection_leaves_no_partial_file(server, tmp_path):
    _, files, sums = tiny_mnist()
    serve(server, files)
    name = SPLITS[True][0]
    dest = tmp_path / "dl" / name
    with pytest.raises(DownloadError, match=f"could not download {server.url}drop/mnist/{name}: .*nothing was saved"):
        download(f"{server.url}drop/mnist/{name}", dest, sums[name], progress=False)
    assert os.listdir(tmp_path / "dl") == []


def test_interrupted_download_leaves_no_partial_file(server, tmp_path, monkeypatch):
    _, files, sums = tiny_mnist()
    url = serve(server, files)
    name = SPLITS[True][0]

    class InterruptingBar:
        def update(self, n):
            raise KeyboardInterrupt

        def close(self):
            pass

    monkeypatch.setattr(downloader, "CHUNK", 64)
    monkeypatch.setattr(downloader, "_progress_bar", lambda *args: InterruptingBar())
    with pytest.raises(KeyboardInterrupt):
        download(url + name, tmp_path / name, sums[name])
    assert os.listdir(tmp_path) == []


def test_no_server_gives_a_clear_offline_error(tmp_path):
    with socket.socket() as s:                       # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match=r"could not download http://127.0.0.1:\d+/train-images-idx3-ubyte.gz"
                                            r": .*Check the network connection, or copy the file to"):
        mnist(root=tmp_path, base_url=f"http://127.0.0.1:{port}", progress=False)
    assert os.listdir(tmp_path / "mnist") == []


def test_missing_url_is_an_error(server, tmp_path):
    with pytest.raises(DownloadError, match="could not download .*Not Found"):
        download(server.url + "nothing.gz", tmp_path / "x.gz", "0" * 64, progress=False)
    assert os.listdir(tmp_path) == []


def test_a_server_that_never_answers_times_out_after_timeout(tmp_path):
    with socket.socket() as s:                       # the kernel accepts the connection; nobody ever replies
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        start = time.perf_counter()
        with pytest.raises(DownloadError, match=r"could not download http://127.0.0.1:\d+/train-images-idx3-ubyte.gz"
                                                r": .*timed out"):
            mnist(root=tmp_path, base_url=f"http://127.0.0.1:{s.getsockname()[1]}", progress=False, timeout=0.3)
        assert time.perf_counter() - start < 5
    assert os.listdir(tmp_path / "mnist") == []

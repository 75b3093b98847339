"""Downloading data files into the cache folder: SHA-256 checked, atomic, with a progress bar."""
from __future__ import annotations

import hashlib
import http.client
import os
import secrets
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

CHUNK = 1 << 16


class DownloadError(RuntimeError):
    """A data file could not be downloaded, or what arrived failed its checksum; nothing was saved."""


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The cache folder for data sets: ``root`` if given, else ``$MICROTENSOR_DATA``, else
    ``~/.cache/microtensor``."""
    if root is not None:
        return Path(root)
    return Path(os.environ.get("MICROTENSOR_DATA") or Path.home() / ".cache" / "microtensor")


class _Bar(Protocol):
    """What download() uses of a tqdm bar."""
    def update(self, n: int) -> object: ...
    def close(self) -> None: ...


def _progress_bar(total: int | None, name: str, enabled: bool) -> _Bar | None:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:      # tqdm is optional: no bar without it
        return None
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=name, leave=False)


def download(url: str, path: str | os.PathLike, sha256: str, progress: bool = True, timeout: float = 30.0) -> Path:
    """Download ``url`` to ``path``, verifying its SHA-256.

    The bytes go to a temporary file beside ``path``, which is renamed to ``path`` only once the whole
    file has arrived and its checksum matches; on any failure (no network, a dropped connection, a
    short or corrupted file, Ctrl-C) the temporary file is removed, so ``path`` never holds half a file.

    Args:
        url: where to fetch the file from.
        path: where to store it.
        sha256: the expected SHA-256, as hex.
        progress: show a tqdm progress bar (when tqdm is installed).
        timeout: seconds to wait for the server before giving up.

    Returns:
        ``path``.

    Raises:
        DownloadError: the server could not be reached or the transfer broke off (the message says what
            to do offline), or the checksum did not match.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    digest = hashlib.sha256()
    received = 0
    try:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                bar = _progress_bar(total, path.name, progress)
                try:
                    while chunk := response.read(CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
                        if bar is not None:
                            bar.update(len(chunk))
                finally:
                    if bar is not None:
                        bar.close()
            if total is not None and received != total:
                raise OSError(f"the connection closed after {received} of {total} bytes")
        except (OSError, http.client.HTTPException, ValueError) as err:   # URLError is an OSError
            reason = getattr(err, "reason", err)
            raise DownloadError(
                f"could not download {url}: {reason}. Check the network connection, or copy the file to "
                f"{path} yourself (set MICROTENSOR_DATA or pass root= to use another folder, base_url= "
                "for a mirror); nothing was saved") from err
        if digest.hexdigest() != sha256.lower():
            raise DownloadError(f"checksum mismatch for {url}: expected SHA-256 {sha256.lower()}, got "
                                f"{digest.hexdigest()} ({received} bytes); the file is corrupt or not the "
                                "expected one, so nothing was saved")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path

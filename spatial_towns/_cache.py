"""Results kept between runs in the cache folder (:func:`.datasets.cache_dir`), by a key that
hashes everything they depend on, so a change to any input makes a new file instead of reusing
a stale one."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from . import errors, io

T = TypeVar("T")


def key(parts: Iterable[bytes | str]) -> str:
    """16 hex digits of the SHA-256 of ``parts`` (each length-prefixed, so no two different
    sequences of parts hash alike)."""
    h = hashlib.sha256()
    for part in parts:
        b = part.encode() if isinstance(part, str) else bytes(part)
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()[:16]


def cached(path: Path, compute: Callable[[], T], read: Callable[[Path], T],
           write: Callable[[T, Path], None]) -> T:
    """``read(path)`` when the file is there and readable, else ``compute()``, written to
    ``path`` by ``write(value, tmp_path)`` (atomically) when the folder is writable.

    ``read`` raises ``OSError`` or ``ValueError`` for a file it cannot use (e.g. truncated):
    the value is computed again and the file replaced.
    """
    if path.is_file():
        try:
            return read(path)
        except (OSError, ValueError):
            pass
    value = compute()
    try:
        io.atomic_write(path, lambda p: write(value, p))
    except (OSError, errors.OutputError):
        pass  # read-only cache folder: computed per process, as without a cache
    return value

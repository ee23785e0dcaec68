"""Results kept between runs in the cache folder (:func:`.datasets.cache_dir`), by a key that
hashes everything they depend on, so a change to any input makes a new file instead of reusing
a stale one."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from .. import errors
from .atomic import atomic_write

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
           write: Callable[[T, Path], None], *, touch: bool = True) -> T:
    """``read(path)`` when the file is there and readable, else ``compute()``, written to
    ``path`` by ``write(value, tmp_path)`` (atomically) when the folder is writable.

    ``read`` raises ``OSError`` or ``ValueError`` for a file it cannot use (e.g. truncated,
    or made from other inputs): the value is computed again and the file replaced.
    ``touch`` marks a file read back as used now, for :func:`prune`; a file kept outside the
    cache folder (e.g. beside the user's data, which :func:`prune` never sees) is left as it is.
    """
    if path.is_file():
        try:
            value = read(path)
        except (OSError, ValueError):
            pass
        else:
            if touch:
                _touch(path)
            return value
    value = compute()
    try:
        atomic_write(path, lambda p: write(value, p))
    except (OSError, errors.OutputError):
        pass  # read-only cache folder: computed per process, as without a cache
    return value


# The names cached() is given: "<kind>[_<id>]_<16 hex digits of key()>.<ext>". Only such files
# are counted or removed, so a cache folder shared with other files loses nothing else.
_NAME = re.compile(r"^[A-Za-z]+(?:_[A-Za-z0-9]+)?_[0-9a-f]{16}\.[A-Za-z0-9]+$")


def _touch(path: Path) -> None:
    """Mark a cache file as used now (its modification time), for :func:`prune`; a read-only
    folder keeps the old time."""
    try:
        os.utime(path)
    except OSError:
        pass


def entries(folder: Path) -> list[Path]:
    """The package's cache files in ``folder`` (sorted by name; none if it does not exist)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and _NAME.match(p.name))


def prune(folder: Path, unused_days: float | None = None) -> tuple[int, int]:
    """Remove the package's cache files in ``folder`` not used for ``unused_days`` days
    (``None``: all of them). A file is used when it is written or read back; files of an
    older code or library version are never read again, so they age out.

    Returns
    -------
    tuple of int
        Files removed and their bytes.
    """
    if unused_days is not None and unused_days < 0:
        raise errors.ConfigError(f"cache: days must be >= 0, got {unused_days:g}")
    cutoff = None if unused_days is None else time.time() - unused_days * 86400.0
    n = size = 0
    for p in entries(folder):
        st = p.stat()
        if cutoff is None or st.st_mtime < cutoff:
            try:
                p.unlink()
            except OSError as exc:
                raise errors.OutputError(f"cache: cannot remove {p}: {exc}") from exc
            n, size = n + 1, size + st.st_size
    return n, size

"""Files written in one step: written beside their place under a temporary name, then renamed,
so a reader (or a process killed at any moment) sees the old complete file or the new one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .. import errors


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Write ``path`` via ``write(tmp_path)`` then rename, so readers never see half a file.

    ``write`` receives a temporary path in the same folder (same suffix, so drivers pick the
    right format). Raises :class:`~spatial_towns.errors.OutputError` when the folder is not
    writable.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    except OSError as exc:
        raise errors.OutputError(f"cannot write to {path.parent}: {exc.strerror}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        tmp_path.unlink()
        write(tmp_path)
        os.replace(tmp_path, path)
    except OSError as exc:
        raise errors.OutputError(f"cannot write {path}: {exc}") from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    return path

"""``run.json``: what a run did, for schedulers and notebooks (no text to parse).

:class:`RunRecord` is filled while the run goes (the inputs' hashes, each stage's duration,
the warnings) and written at its end: into the run folder when the run succeeds
(``<run_name>/run.json``, status ``ok``), beside it when it fails
(``<run_name>.failed.json``, status ``failed``, with the exit code and the error). It is the
only output that depends on the clock; every other file of a run is the same bytes for the
same input and config.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .. import errors

RUN_JSON = "run.json"
#: Beside the run folder: the record of the last attempt, when it failed (a success removes it).
FAILED_SUFFIX = ".failed.json"


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class RunRecord:
    """What run.json says. ``inputs``: role, path and sha256 of each input file;
    ``stages``: seconds per stage, in order; ``warnings``: the run's warnings."""

    run_name: str
    inputs: list[dict] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    _last: float = field(default_factory=time.perf_counter)

    @classmethod
    def from_files(cls, run_name: str, files: Sequence[tuple[str, str | Path]]) -> RunRecord:
        """A record whose ``inputs`` are ``files`` (role, path) with their SHA-256 (a missing
        file gets None: the run then fails reading it, and says why)."""
        return cls(run_name, inputs=[
            {"role": role, "path": str(path),
             "sha256": sha256(path) if Path(path).is_file() else None}
            for role, path in files])

    def stage(self, name: str) -> None:
        """Close stage ``name`` (once): its duration is the time since the previous one."""
        if name in self.stages:
            return
        now = time.perf_counter()
        self.stages[name] = round(now - self._last, 3)
        self._last = now

    def as_dict(self, status: str, exit_code: int, files: dict[str, Path] | None = None,
                error: str | None = None) -> dict:
        """The record as run.json holds it; ``files`` (name → path) get their SHA-256."""
        end = time.time()
        return {
            "status": status,
            "exit_code": exit_code,
            "error": error,
            "run_name": self.run_name,
            "spatial_towns": _version(),
            "python": sys.version.split()[0],
            "started_utc": _utc(self.started),
            "finished_utc": _utc(end),
            "duration_s": round(end - self.started, 3),
            "stages_s": dict(self.stages),
            "warnings": list(self.warnings),
            "inputs": self.inputs,
            "files": {name: {"sha256": sha256(p), "bytes": p.stat().st_size}
                      for name, p in sorted((files or {}).items())},
        }

    def write_failed(self, run_folder: Path, exc: BaseException) -> Path | None:
        """Record a failed run beside its folder (the folder is left as it was); None when
        even that cannot be written (an output folder that is not writable)."""
        if isinstance(exc, errors.SpatialTownsError):
            code, text = exc.exit_code, str(exc)
        else:
            code, text = 1, f"internal error ({type(exc).__name__}: {exc})"
        try:
            run_folder.parent.mkdir(parents=True, exist_ok=True)
            return write_json(failed_path(run_folder), self.as_dict("failed", code, error=text))
        except OSError:
            return None


def refuse_warnings(warned: list[str]) -> None:
    """Under ``strict``: the run's warnings as one :class:`~spatial_towns.errors.StrictError`."""
    if warned:
        raise errors.StrictError(
            f"--strict: {len(warned)} warning(s), each an error under --strict: "
            + "; ".join(w.removeprefix("WARNING ") for w in warned[:10])
            + (" ..." if len(warned) > 10 else "")
            + ". Fix the inputs, or run without --strict to write the outputs with the warnings")


def failed_path(run_folder: Path) -> Path:
    """``<output>/<run_name>.failed.json``."""
    return run_folder.with_name(run_folder.name + FAILED_SUFFIX)


def write_json(path: Path, data: dict) -> Path:
    """``data`` as indented UTF-8 JSON, written to a temporary file and renamed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


@contextmanager
def own_warnings(into: list[str]) -> Iterator[list[str]]:
    """Warnings are shown as usual; those spatial_towns itself raises (not its libraries'
    deprecations) are also kept in ``into``, for run.json and ``strict``. Only this process's:
    a forked child's warnings are shown on stderr but not kept."""
    root = str(Path(errors.__file__).resolve().parent)
    with warnings.catch_warnings():
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if str(Path(filename).resolve()).startswith(root):
                into.append(f"{category.__name__}: {message}")
            shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield into


def _version() -> str:
    try:
        return importlib.metadata.version("spatial_towns")
    except importlib.metadata.PackageNotFoundError:  # a source tree on sys.path only
        return "unknown"


def _utc(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

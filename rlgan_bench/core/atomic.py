"""Atomic writes: a reader (or a rerun after kill -9) sees the old file or the new one, never
half of one."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rlgan_bench.core.errors import RlganError


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success fsync it and rename it over ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(tmp_name)
    # mkstemp makes 0600 files; results and reports are meant to be shared like any file
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files that a killed writer left (call only while holding the lock)."""
    for stale in folder.rglob(".*.tmp"):
        stale.unlink(missing_ok=True)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """``data`` as strict JSON: a NaN or an infinity (which ``json`` would write as the
    non-JSON ``NaN``) is a one-line error naming where it is, and nothing is written; pass
    the data through :func:`json_safe` first where a missing value is meant."""
    try:
        text = json.dumps(data, indent=2, sort_keys=True, default=str, allow_nan=False)
    except ValueError:
        where = _first_non_finite(data)
        if where is None:  # not a number's fault (a circular reference): a bug, not input
            raise
        raise RlganError(
            f"cannot write {os.fspath(path)}: {where} is NaN or infinite, which JSON cannot hold"
        ) from None
    write_text(path, text + "\n")


def _first_non_finite(data: Any, where: str = "") -> str | None:
    """The key path (``metrics.fid.values.fid``) of the first NaN or infinity in ``data``."""
    if isinstance(data, float):
        return None if math.isfinite(data) else where or "the value"
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, (list, tuple)):
        items = list(enumerate(data))
    else:
        return None
    for key, value in items:
        found = _first_non_finite(value, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def append_line(path: str | os.PathLike[str], line: str) -> None:
    """Append one line (a JSONL record). A torn last line after a crash is skipped by readers."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line.rstrip("\n") + "\n")


def read_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    if not Path(path).exists():
        return records
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line torn by a crash
    return records


def json_safe(data: Any) -> Any:
    """``data`` with every NaN or infinity made None (JSON has no such numbers)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: json_safe(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_safe(value) for value in data]
    return data

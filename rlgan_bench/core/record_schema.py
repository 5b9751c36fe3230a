"""The machinery of the typed records (:mod:`rlgan_bench.core.records`): a :class:`Record` is a
dataclass read from and written to one JSON object through its field types.

Reading checks each value against its field's type and names the file and the key of the
first one that is wrong (a one-line :class:`RecordError`); nested records are read as their
own class. Keys a record does not know are kept in ``extra`` and written back unchanged, and
optional fields a record lacks take their defaults. A record that is a file (or a section of
its own) carries ``schema_version`` (:class:`VersionedRecord`); this rlgan-bench writes
:data:`SCHEMA_VERSION` and reads up to it.
"""

from __future__ import annotations

import json
import types
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin, get_type_hints

from rlgan_bench.core.atomic import write_json
from rlgan_bench.core.errors import RlganError

#: the version of the schemas this rlgan-bench writes (and the newest it reads)
SCHEMA_VERSION = 1

_RecordT = TypeVar("_RecordT", bound="Record")


class RecordError(RlganError):
    """A result.json or eval.json that is corrupt, or is not one (another tool's, a newer
    rlgan-bench's)."""


@dataclass(kw_only=True)
class Record:
    """A JSON object with typed fields. Subclasses list in ``_OPTIONAL`` the fields that are
    written only when set (a key that some records lack, rather than one that is ``null``)."""

    #: the keys this schema does not know, as read: written back unchanged
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    _OPTIONAL: ClassVar[frozenset[str]] = frozenset()
    #: what the record is, for errors: "is not <KIND>"
    KIND: ClassVar[str] = "a record"

    def _optional(self) -> frozenset[str]:
        return self._OPTIONAL

    def to_json(self) -> dict[str, Any]:
        """The record as the JSON object it is written as."""
        data = {key: _dump(value) for key, value in self.extra.items()}
        optional = self._optional()
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "extra" or (value is None and item.name in optional):
                continue
            data[item.name] = _dump(value)
        return data

    @classmethod
    def from_json(cls: type[_RecordT], data: Any, source: str = "the record") -> _RecordT:
        """The record of a JSON object; ``source`` (a path) names it in errors."""
        return cls._read(data, source, "")

    @classmethod
    def _read(cls: type[_RecordT], data: Any, source: str, where: str) -> _RecordT:
        if not isinstance(data, dict):
            what = f"{where.rstrip('.')} must be a JSON object" if where else f"is not {cls.KIND}"
            raise RecordError(f"{source}: {what}, got {_kind(data)}")
        hints = field_types(cls)
        values: dict[str, Any] = {}
        for item in fields(cls):
            if item.name == "extra":
                continue
            if item.name in data:
                values[item.name] = read_value(
                    data[item.name], hints[item.name], source, where + item.name
                )
            elif item.default is MISSING and item.default_factory is MISSING:
                if where:
                    raise RecordError(f"{source}: {where.rstrip('.')} has no {item.name!r}")
                raise RecordError(f"{source} is not {cls.KIND}: it has no {item.name!r}")
        known = {item.name for item in fields(cls)} - {"extra"}
        record = cls(**values, extra={k: v for k, v in data.items() if k not in known})
        record._check(source, where)
        return record

    def _check(self, source: str, where: str) -> None:
        """What the field types do not say (a version, a status); raises :class:`RecordError`."""


@dataclass(kw_only=True)
class VersionedRecord(Record):
    """A record that is a file or a section of its own: it says which schema it follows."""

    #: missing in files written before it existed: they are version 1
    schema_version: int = SCHEMA_VERSION

    def _check(self, source: str, where: str) -> None:
        if self.schema_version > SCHEMA_VERSION:
            raise RecordError(
                f"{source}: {where}schema_version {self.schema_version} was written by a newer "
                f"rlgan-bench (this one reads up to {SCHEMA_VERSION}); upgrade rlgan-bench"
            )
        if self.schema_version < 1:
            raise RecordError(
                f"{source}: {where}schema_version must be >= 1, got {self.schema_version}"
            )


# --- files -------------------------------------------------------------------------------------


def read_record(cls: type[_RecordT], path: str | Path) -> _RecordT:
    """The record of class ``cls`` in the JSON file ``path``; :class:`RecordError` when it
    cannot be read or is not one."""
    return cls.from_json(_read_object(Path(path)), str(path))


def write_record(path: str | Path, record: VersionedRecord) -> None:
    """Write ``record`` to ``path`` atomically (a record the reader would refuse is refused
    here, and nothing is written)."""
    data = record.to_json()
    type(record).from_json(data, f"cannot write {path}")
    write_json(Path(path), data)


def _read_object(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordError(f"cannot read {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"cannot read {path} ({type(exc).__name__})") from None
    except ValueError as exc:  # json.JSONDecodeError
        raise RecordError(f"{path} is not JSON (corrupt: {exc})") from None


# --- the type checks ---------------------------------------------------------------------------


_HINTS: dict[type, dict[str, Any]] = {}


def field_types(cls: type) -> dict[str, Any]:
    """The field types of a record class (or TrainConfig), resolved once."""
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def read_value(value: Any, hint: Any, source: str, where: str) -> Any:
    """``value`` checked against the type ``hint`` (records read from their JSON objects)."""
    if hint is Any:
        return value
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        problem: RecordError | None = None
        for option in options:
            if option is type(None):
                continue
            try:
                return read_value(value, option, source, where)
            except RecordError as exc:
                problem = exc
        assert problem is not None  # a union of None alone is not a field type
        raise problem
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint._read(value, source, where + ".")
    if origin is dict:
        if not isinstance(value, dict):
            raise _wrong(source, where, "a JSON object", value)
        item = get_args(hint)[1] if get_args(hint) else Any
        if item is Any:
            return value
        return {key: read_value(v, item, source, f"{where}.{key}") for key, v in value.items()}
    if origin is list:
        if not isinstance(value, list):
            raise _wrong(source, where, "a list", value)
        item = get_args(hint)[0] if get_args(hint) else Any
        return [read_value(v, item, source, f"{where}[{i}]") for i, v in enumerate(value)]
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(source, where, "a number", value)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(source, where, "an integer", value)
        return value
    if hint in (str, bool):
        if not isinstance(value, hint):
            raise _wrong(source, where, "a string" if hint is str else "true or false", value)
        return value
    raise TypeError(f"records cannot hold {hint!r} ({where})")  # a schema bug, not input


def _wrong(source: str, where: str, expected: str, value: Any) -> RecordError:
    return RecordError(f"{source}: {where} must be {expected}, got {_kind(value)}")


def _kind(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _dump(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dump(item) for item in value]
    return value


__all__ = [
    "SCHEMA_VERSION",
    "Record",
    "RecordError",
    "VersionedRecord",
    "field_types",
    "read_record",
    "read_value",
    "write_record",
]

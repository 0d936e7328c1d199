"""Typed, versioned records: what Swoop keeps in the state store between turns.

A conversation's context, a pending clarification or confirmation and the plans inside them are
written by one version of Swoop and may be read by another (a rolling deploy, an upgrade with
threads still open). Each record names its version in ``v``; :func:`load_record` accepts only the
version and shape this code writes and otherwise raises :class:`~bot.errors.StaleRecordError`, so
the reader drops it on purpose (the conversation starts afresh, the choice has expired) instead of
failing somewhere later on a missing key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import StaleRecordError

JsonScalar = str | int | float | bool | None
JsonValue = JsonScalar | list[JsonScalar]  # what a filter or a stored row value may be


class Record(BaseModel):
    """A stored shape: exactly these keys; built from a dataclass by its attributes."""

    model_config = ConfigDict(extra="forbid", frozen=True, from_attributes=True)


R = TypeVar("R", bound=Record)


def load_record(model: type[R], data: Any, what: str) -> R:
    """``data`` as a ``model`` record of the version this code writes, else StaleRecordError.

    ``model`` declares ``v: Literal[N] = N`` (the default is what writing uses); a record
    without ``v``, of another version or of another shape is stale.
    """
    expected = model.model_fields["v"].default
    found = data.get("v") if isinstance(data, Mapping) else None
    if found != expected:
        raise StaleRecordError(what, f"version {found!r}; this Swoop reads version {expected}")
    return load_part(model, data, what)


def load_part(model: type[R], data: Any, what: str) -> R:
    """``data`` as a ``model`` record, checked for shape only (a part of a versioned record)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise StaleRecordError(what, f"{where}: {first['msg']}") from exc

"""The stored shapes of a change: the pending confirmation and the audit entry that undoes it.

Both carry an :class:`~bot.actions.preview.ActionPreview` (``ActionPreview.to_dict``) inside a
versioned envelope (:mod:`bot.records`). One written by another version of Swoop, or of another
shape, is a :class:`~bot.errors.StaleRecordError` when read: the confirmation has expired, the
change cannot be undone from chat, and nothing is written.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from bot.actions.preview import ActionPreview
from bot.actions.request import Operation
from bot.records import Record, load_record

CONFIRMATION_VERSION: Final = 1
AUDIT_VERSION: Final = 1

Value = float | int | bool | str | None  # as bot.actions.preview.Value


class RowChangeRecord(Record):
    id: int | str
    name: str
    location: str | None
    before: Value
    after: Value


class ValueFormatRecord(Record):
    format: str
    decimals: int
    on: Value
    off: Value


class PreviewRecord(Record):
    """``ActionPreview.to_dict()``, key for key."""

    action: str
    operation: Operation
    table: str
    column: str
    key: str
    label: str
    item_label: str
    description: str
    changes: tuple[RowChangeRecord, ...]
    format: ValueFormatRecord
    scope: tuple[int | str, ...] | None
    text: str

    def to_preview(self) -> ActionPreview:
        return ActionPreview.from_dict(self.model_dump(mode="json"))


class ConfirmationRecord(Record):
    """The pending ``confirmation`` payload: the preview that runs once confirmed."""

    v: Literal[1] = CONFIRMATION_VERSION
    preview: PreviewRecord


class AuditDetailsRecord(Record):
    """An audit entry's details: what explains the change and what undoes it."""

    v: Literal[1] = AUDIT_VERSION
    description: str
    preview: PreviewRecord
    changes: tuple[RowChangeRecord, ...]
    undoes: int | None = None  # the audit id an undo reverted
    error: str | None = None  # why a failed change failed


def confirmation_payload(preview: ActionPreview) -> dict[str, Any]:
    return ConfirmationRecord(preview=_record(preview)).model_dump(mode="json")


def preview_waiting(payload: Any) -> ActionPreview:
    """The preview of a pending confirmation; StaleRecordError for another version's."""
    return load_record(ConfirmationRecord, payload, "confirmation").preview.to_preview()


def audit_details(preview: ActionPreview, **extra: Any) -> dict[str, Any]:
    record = AuditDetailsRecord(
        description=preview.description,
        preview=_record(preview),
        changes=tuple(RowChangeRecord.model_validate(c) for c in preview.changes),
        **extra,
    )
    return record.model_dump(mode="json", exclude={"undoes", "error"} - set(extra))


def preview_audited(details: Any) -> ActionPreview:
    """The preview an audit entry recorded; StaleRecordError for another version's."""
    return load_record(AuditDetailsRecord, details, "audit entry").preview.to_preview()


def _record(preview: ActionPreview) -> PreviewRecord:
    return PreviewRecord.model_validate(preview.to_dict())

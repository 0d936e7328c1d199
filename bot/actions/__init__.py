"""Actions: confirmed, verified, reversible changes to the data, declared in the semantic model.

``ActionEngine.parse`` reads a request, ``preview_async`` shows exactly what would change (or,
when the words name several rows, asks which), ``apply_async`` carries it out in one verified
transaction and ``undo_async`` reverses it.
"""

from bot.actions.catalog import ActionCatalog, ActionSpec
from bot.actions.engine import ActionEngine
from bot.actions.preview import ActionOutcome, ActionPreview, RowChange, ValueFormat
from bot.actions.request import ActionClarification, ActionRequest, Operation

__all__ = [
    "ActionCatalog",
    "ActionClarification",
    "ActionEngine",
    "ActionOutcome",
    "ActionPreview",
    "ActionRequest",
    "ActionSpec",
    "Operation",
    "RowChange",
    "ValueFormat",
]

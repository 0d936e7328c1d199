"""Swoop's persistent, replica-shared state (conversation context, feedback, pending, audit)."""

from bot.state.models import (
    AuditEntry,
    AuditRecord,
    ConversationKey,
    FeedbackRecord,
    PendingRecord,
    QueryRecord,
)
from bot.state.store import StateStore

__all__ = [
    "AuditEntry",
    "AuditRecord",
    "ConversationKey",
    "FeedbackRecord",
    "PendingRecord",
    "QueryRecord",
    "StateStore",
]

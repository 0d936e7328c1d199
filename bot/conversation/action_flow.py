"""The conversation around a change: request → preview → confirm/cancel → apply → audit → undo.

Nothing is written until the person who asked confirms within ``CONFIRM_TTL_S``; only admins
(``SWOOP_ADMINS``) may ask, confirm or undo; every change and undo is audited with its before and
after values. "No", "cancel", "not now", "hmm, maybe later", silence and a "yes" from someone else
change nothing. Words that name several rows ("the salad", "burger prices", one item on two
locations' menus) get a question which, with an option per row and one for all of them; only the
rows picked (or all, when the person says so) are previewed, confirmed and audited. A pending
choice or confirmation, or an audit entry, written by another version of Swoop
(:mod:`bot.actions.records`) has expired: it is dropped, said so, and nothing is written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.actions import ActionClarification, ActionEngine, ActionPreview, ActionRequest
from bot.actions.records import (
    audit_details,
    confirmation_payload,
    preview_audited,
    preview_waiting,
)
from bot.errors import ActionError, NotFoundError, PermissionDeniedError, StaleRecordError
from bot.messages import Column, Message, Option, Response, ResponseKind, Table
from bot.permissions import is_admin, who_can
from bot.responses import ResponseService
from bot.state import AuditEntry, PendingRecord, StateStore

CONFIRM_TTL_S = 5 * 60
CHOICE_TTL_S = 30 * 60
CONFIRM = re.compile(
    r"^\s*(y|yes|yep|yeah|yes please|confirm|confirmed|do it|go ahead|go for it|ok|okay|sure|"
    r"approve|approved|👍|✅)\s*[.!]*\s*$",
    re.IGNORECASE,
)
CANCEL = re.compile(
    r"^\s*(n|no|nope|nah|cancel|stop|abort|don'?t|do not|never ?mind|not now|wait|hold on|"
    r"👎|❌)\b|\b(maybe later|later|not yet|hmm)\b",
    re.IGNORECASE,
)
ALL = re.compile(r"(?:(?:all|both)(?: of them)?|every one|everything)\s*[.!]*")
UNDO = re.compile(r"^\s*(please\s+)?(undo|revert|roll ?back)\b", re.IGNORECASE)
MAX_CHOICES = 99  # a reply of 1..99 answers a stale choice (its options can't be counted)

log = logging.getLogger(__name__)


def is_undo(text: str) -> bool:
    return bool(UNDO.search(text))


class ActionFlow:
    """Runs change requests for the QueryProcessor."""

    def __init__(
        self,
        store: StateStore,
        responses: ResponseService,
        admins: Sequence[str],
        engine: Callable[[], Awaitable[ActionEngine]],
    ) -> None:
        self.store = store
        self.responses = responses
        self.admins = list(admins)
        self._engine = engine

    def _check_admin(self, message: Message) -> None:
        if not is_admin(message, self.admins):
            raise PermissionDeniedError(
                "Sorry, you can't change data from chat. " + who_can(self.admins),
                hint="Nothing was changed. Ask an admin to make the change.",
            )

    # -- a new request ---------------------------------------------------------------------------

    async def request_async(self, message: Message, query_id: str) -> Response:
        self._check_admin(message)
        if is_undo(message.text):
            return await self.undo_async(message, query_id)
        engine = await self._engine()
        parsed = engine.parse(message.text)
        if isinstance(parsed, ActionClarification):
            return await self._ask_which(message, parsed, query_id)
        return await self._preview(message, parsed, query_id)

    async def _preview(self, message: Message, request: ActionRequest, query_id: str) -> Response:
        """The preview to confirm, or the question which of several rows the words mean."""
        engine = await self._engine()
        shown = await engine.preview_async(request, scope=message.scope)
        if isinstance(shown, ActionClarification):
            return await self._ask_which(message, shown, query_id)
        return await self._confirm(message, shown, query_id)

    async def _ask_which(
        self, message: Message, clarification: ActionClarification, query_id: str
    ) -> Response:
        token = await self.store.put_pending_async(
            message.key,
            message.user,
            "action_choice",
            clarification.to_dict(),
            ttl_s=CHOICE_TTL_S,
        )
        options = [(o.label or ", ".join(o.names), f"{token}:{i}") for i, o in
                   enumerate(clarification.options, 1)]  # fmt: skip
        return await self.responses.format_clarification_response_async(
            clarification.question, options, query_id=query_id
        )

    async def _confirm(self, message: Message, preview: ActionPreview, query_id: str) -> Response:
        token = await self.store.put_pending_async(
            message.key,
            message.user,
            "confirmation",
            confirmation_payload(preview),
            ttl_s=CONFIRM_TTL_S,
        )
        columns, rows = preview.as_table()
        count = preview.row_count
        text = (
            f"{preview.description}: {count} {'row' if count == 1 else 'rows'} will change. "
            "Confirm? (nothing changes until you do; this expires in 5 minutes)"
        )
        return await self.responses.format_response_async(
            ResponseKind.CONFIRMATION,
            text,
            table=Table(tuple(Column(c) for c in columns), tuple(tuple(r) for r in rows)),
            options=(Option("Confirm", f"{token}:confirm"), Option("Cancel", f"{token}:cancel")),
            query_id=query_id,
        )

    # -- replies to a pending confirmation or choice ---------------------------------------------

    async def reply_async(
        self, message: Message, query_id: str, pendings: dict[str, PendingRecord]
    ) -> Response | None:
        """The answer to a pending confirmation/choice, or None when the message is not one."""
        pending = pendings.get("confirmation")
        if pending is not None:
            verdict = _verdict(message.text, pending.pending_id)
            if verdict is not None:
                return await self._decide(message, pending, verdict, query_id)
        choice = pendings.get("action_choice")
        if choice is not None and message.user == choice.user:
            try:
                waiting: ActionClarification | None = ActionClarification.from_dict(choice.payload)
            except StaleRecordError as exc:
                log.info("dropping a stale action choice (%s): %s", choice.pending_id, exc.message)
                waiting = None
            count = MAX_CHOICES if waiting is None else len(waiting.options)
            every = None if waiting is None else waiting.all_option
            rows = 0 if every is None or waiting is None else len(waiting.options[every].ids)
            index = _choice(message.text, choice.pending_id, count, every, rows)
            if index is not None:
                taken = await self.store.take_pending_async(choice.pending_id)
                if taken is not None and waiting is None:
                    raise NotFoundError(
                        "That choice has expired (an earlier version of Swoop offered it).",
                        hint="Nothing was changed. Ask for the change again.",
                    )
                if taken is not None and waiting is not None:
                    self._check_admin(message)
                    return await self._preview(message, waiting.options[index], query_id)
        return None

    async def _decide(
        self, message: Message, pending: PendingRecord, confirm: bool, query_id: str
    ) -> Response:
        if message.user != pending.user:
            raise PermissionDeniedError(
                f"Only the person who asked for this change can "
                f"{'confirm' if confirm else 'cancel'} it.",
                hint="Nothing was changed.",
            )
        taken = await self.store.take_pending_async(pending.pending_id)
        if taken is None:
            raise NotFoundError(
                "That change is no longer waiting (it expired or was already answered).",
                hint="Nothing was changed. Ask again to see a fresh preview.",
            )
        try:
            preview = preview_waiting(taken.payload)
        except StaleRecordError as exc:
            log.info("dropping a stale confirmation (%s): %s", taken.pending_id, exc.message)
            raise NotFoundError(
                "That change is no longer waiting (an earlier version of Swoop prepared it).",
                hint="Nothing was changed. Ask again to see a fresh preview.",
            ) from None
        if not confirm:
            return await self.responses.action_response_async(
                f"Cancelled — nothing was changed ({preview.description}).", query_id=query_id
            )
        self._check_admin(message)
        return await self._apply(message, preview, query_id)

    async def _apply(self, message: Message, preview: ActionPreview, query_id: str) -> Response:
        engine = await self._engine()
        try:
            outcome = await engine.apply_async(preview)
        except ActionError as exc:
            await self._audit(message, preview, status="failed", rowcount=0, error=exc.message)
            raise
        await self._audit(message, preview, status="done", rowcount=outcome.rowcount)
        return await self.responses.action_response_async(
            f"Done: {preview.description} ({outcome.rowcount} "
            f"{'row' if outcome.rowcount == 1 else 'rows'} changed). Say “undo” to revert it.",
            table=_changes_table(preview),
            query_id=query_id,
        )

    # -- undo ------------------------------------------------------------------------------------

    async def undo_async(self, message: Message, query_id: str) -> Response:
        self._check_admin(message)
        last = await self.store.last_audit_async(message.key, status="done")
        if last is None or "preview" not in last.details:
            raise NotFoundError(
                "There is no change to undo in this conversation.", hint="Nothing was changed."
            )
        try:
            preview = preview_audited(last.details)
        except StaleRecordError as exc:
            log.info("not undoing audit entry %s: %s", last.audit_id, exc.message)
            raise NotFoundError(
                "The last change here was recorded by an earlier version of Swoop, so it can't "
                "be undone from chat.",
                hint="Nothing was changed.",
            ) from None
        engine = await self._engine()
        outcome = await engine.undo_async(preview)
        if not await self.store.set_audit_status_async(last.audit_id, "undone", expected="done"):
            raise ActionError("That change was undone by someone else at the same moment.")
        inverse = preview.inverse()
        await self._audit(
            message, inverse, status="undo", rowcount=outcome.rowcount, undoes=last.audit_id
        )
        return await self.responses.action_response_async(
            f"Undone: {preview.description} is reverted ({outcome.rowcount} "
            f"{'row' if outcome.rowcount == 1 else 'rows'} back to before).",
            table=_changes_table(inverse),
            query_id=query_id,
        )

    async def _audit(
        self, message: Message, preview: ActionPreview, *, status: str, rowcount: int, **extra: Any
    ) -> None:
        await self.store.append_audit_async(
            AuditEntry(
                key=message.key,
                user=f"{message.platform}:{message.user}",
                action=preview.action,
                details=audit_details(preview, **extra),
                rowcount=rowcount,
                status=status,
            )
        )


def _verdict(text: str, token: str) -> bool | None:
    """True to confirm, False to cancel, None when ``text`` answers neither."""
    cleaned = text.strip().lower()
    if cleaned == f"{token}:confirm":
        return True
    if cleaned == f"{token}:cancel":
        return False
    if CANCEL.search(cleaned):
        return False
    if CONFIRM.search(cleaned):
        return True
    return None


def _choice(
    text: str, token: str, count: int, every: int | None = None, rows: int = 0
) -> int | None:
    """The option picked: its number (or button value), or "all" for option ``every``, which
    takes all ``rows`` ("both" only when they are two)."""
    cleaned = text.strip().lower()
    if cleaned.startswith(f"{token}:"):
        cleaned = cleaned.partition(":")[2]
    if cleaned.isdigit() and 1 <= int(cleaned) <= count:
        return int(cleaned) - 1
    said = ALL.fullmatch(cleaned)
    if every is not None and said and (rows == 2 or not cleaned.startswith("both")):
        return every
    return None


def _changes_table(preview: ActionPreview) -> Table:
    columns, rows = preview.as_table()
    return Table(tuple(Column(c) for c in columns), tuple(tuple(r) for r in rows))

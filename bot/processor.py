"""QueryProcessor: one message in, one neutral Response out, for every surface.

It classifies the message, keeps the thread's context in the state store, runs data questions
through understanding → guard → DataAccess, turns ambiguity into clarifications whose options
are accepted by number, name or button value, records feedback, and counts everything in
``metrics``. No error escapes: each becomes an answer with a recovery hint.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot import topics
from bot.actions import ActionCatalog, ActionEngine
from bot.config import Settings
from bot.conversation.action_flow import ActionFlow
from bot.conversation.classify import MessageKind, classify, feedback_rating
from bot.conversation.feedback_stats import feedback_stats, stats_text
from bot.conversation.metrics import ProcessorMetrics
from bot.conversation.records import ConversationContext, PendingClarification
from bot.data import DataAccess
from bot.data.engines import normalize_url, sqlite_file
from bot.errors import NotFoundError, StaleRecordError, SwoopError, UnsupportedQueryError
from bot.messages import Message, Response, ResponseKind
from bot.responses import ResponseService
from bot.state import AuditRecord, ConversationKey, StateStore
from bot.sync_twins import SyncTwins, sync_twin
from bot.understanding.model import SemanticModel
from bot.understanding.outcomes import Answerable, Clarification, NotUnderstood, Understood
from bot.understanding.pipeline import Understanding
from bot.understanding.plan import QueryPlan

log = logging.getLogger(__name__)

PACKAGED_MODEL = Path(__file__).resolve().parent / "sample" / "club.swoop.yaml"
CONTEXT_PLANS = 3
# Kinds whose answers record their own query (with plan and SQL); others are logged after.
RECORDED_KINDS = frozenset(
    {ResponseKind.DATA, ResponseKind.CLARIFICATION}
)  # plans kept per thread for follow-ups
CLARIFICATION_TTL_S = 30 * 60
EXPIRED_CHOICE = "That choice has expired (an earlier version of Swoop offered it)."
EXPIRED_HINT = "Ask the question again for fresh options."


def semantic_model_path(settings: Settings) -> Path | None:
    """``SWOOP_SEMANTIC_MODEL``, else ``<database file>.swoop.yaml`` beside a SQLite file.

    The bundled sample database always uses the packaged model, so an upgrade's model applies
    to a sample database written by an older version.
    """
    if settings.semantic_model is not None:
        return settings.semantic_model.expanduser()
    if settings.uses_sample_db:
        return PACKAGED_MODEL
    database = sqlite_file(normalize_url(settings.effective_database_url))
    if database is not None:
        beside = Path(f"{database}.swoop.yaml")
        if beside.exists():
            return beside
    return None


class QueryProcessor(SyncTwins):
    """The conversation core shared by the terminal, Slack and Discord."""

    def __init__(
        self,
        settings: Settings,
        *,
        data: DataAccess | None = None,
        store: StateStore | None = None,
        responses: ResponseService | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.data = data or DataAccess.from_settings(settings)
        self.store = store or StateStore(
            settings.effective_state_url, context_ttl_s=settings.context_ttl_s
        )
        self.responses = responses or ResponseService()
        self.metrics = ProcessorMetrics()
        fixed = settings.now
        self.clock: Callable[[], datetime] = clock or (lambda: fixed or datetime.now(UTC))
        self._understanding: Understanding | None = None
        self._action_engine: ActionEngine | None = None
        self._loading = asyncio.Lock()
        self.actions = ActionFlow(
            self.store, self.responses, settings.admins, self._action_engine_async
        )

    # -- the entry point -------------------------------------------------------------------------

    async def process_query_async(self, message: Message) -> Response:
        """Answer one message; never raises."""
        started = time.perf_counter()
        query_id = uuid.uuid4().hex[:12]
        try:
            response = await self._dispatch(message, query_id)
        except SwoopError as exc:
            response = await self._create_error_response_async(exc, query_id=query_id)
        except Exception as exc:
            log.exception("unexpected failure answering a message (query %s)", query_id)
            response = await self._create_error_response_async(exc, query_id=query_id)
        elapsed = (time.perf_counter() - started) * 1000
        self.metrics.record(elapsed, response.error_type)
        if response.kind not in RECORDED_KINDS:
            await self._log_turn(message, response, query_id)
        return _with_timing(response, elapsed)

    async def _log_turn(self, message: Message, response: Response, query_id: str) -> None:
        """Every turn is in the query log (errors and help too), so Swoop knows its threads."""
        try:
            await self.store.record_query_async(
                query_id, message.key, message.user, message.text, response.kind.value, None, None
            )
        except SwoopError:
            log.warning("could not log a %s turn (query %s)", response.kind.value, query_id)

    async def in_conversation_async(self, key: ConversationKey) -> bool:
        """Whether Swoop has answered in this thread (so replies there need no mention)."""
        return await self.store.has_queries_async(key)

    async def _dispatch(self, message: Message, query_id: str) -> Response:
        text = message.text.strip()
        if not text:
            return await self.responses.help_response_async(topics.greeting(await self._model()))
        pendings = await self.store.pending_by_kind_async(message.key)
        reply = await self.actions.reply_async(message, query_id, pendings)
        if reply is not None:
            return reply
        pending = pendings.get("clarification")
        if pending is not None:
            choice = await self._chosen(text, pending.pending_id, pending.payload)
            if choice is not None:
                return await self._answer_choice(message, pending.pending_id, choice, query_id)
        kind = classify(text, await self._model())
        if kind is MessageKind.HELP:
            return await self.help_response_async()
        if kind is MessageKind.FEEDBACK:
            return await self._feedback_from_text(message, text)
        if kind is MessageKind.ACTION:
            return await self._process_action_request_async(message, query_id)
        return await self._process_data_query_async(message, query_id)

    # -- data questions --------------------------------------------------------------------------

    async def _process_data_query_async(self, message: Message, query_id: str) -> Response:
        context = await self.store.load_context_async(message.key) or {}
        previous = _last_plan(context)
        understood = await self._generate_sql_from_query_async(message.text, previous, message)
        if isinstance(understood, Clarification):
            return await self._create_clarification_response_async(understood, message, query_id)
        if isinstance(understood, NotUnderstood):
            return await self._not_understood(understood)
        return await self._answer(message, understood, query_id, context)

    async def _generate_sql_from_query_async(
        self, question: str, previous: QueryPlan | None, message: Message | None = None
    ) -> Understood:
        """Question (+ the thread's previous plan) → guarded SQL, a clarification, or neither."""
        understanding = await self._understanding_async()
        scope = message.scope if message is not None else None
        return understanding.understand(question, previous, scope=scope)

    async def _answer(
        self, message: Message, answer: Answerable, query_id: str, context: dict[str, Any]
    ) -> Response:
        started = time.perf_counter()
        frame = await self.data.query_to_dataframe_async(answer.query.sql, answer.query.params)
        compare = None
        if answer.compare_query is not None:
            compare = await self.data.query_to_dataframe_async(
                answer.compare_query.sql, answer.compare_query.params
            )
        understanding = await self._understanding_async()
        formats = {
            c.partition(".")[2]: understanding.model.column(c).format for c in answer.plan.columns
        }
        response = await self.responses.data_response_async(
            answer.plan,
            frame,
            compare_frame=compare,
            sql=answer.query.sql,
            query_id=query_id,
            timing_ms=(time.perf_counter() - started) * 1000,
            formats=formats,
            explanation=answer.explanation,
            unused=answer.unused,
        )
        await self.store.record_query_async(
            query_id,
            message.key,
            message.user,
            message.text,
            _kind_of(answer.plan),
            answer.plan.to_dict(),
            answer.query.sql,
        )
        kept = _read_context(context).answered(answer.plan, query_id, keep=CONTEXT_PLANS)
        await self.store.save_context_async(message.key, kept.to_dict())
        return response

    async def _not_understood(self, outcome: NotUnderstood) -> Response:
        """Small talk is greeted; a question about data the model lacks, or a part Swoop cannot
        do yet, is answered plainly in the pipeline's words (a helpful answer, not an error)."""
        model = await self._model()
        if outcome.kind == "small_talk":
            return await self.responses.help_response_async(topics.greeting(model))
        if outcome.kind == "out_of_scope":
            return await self.responses.help_response_async(
                outcome.reason or topics.scope_answer(model)
            )
        if outcome.kind == "cannot" and outcome.reason:
            return await self.responses.help_response_async(outcome.reason)
        if outcome.error is not None:
            raise outcome.error
        raise UnsupportedQueryError(outcome.reason)

    # -- clarifications --------------------------------------------------------------------------

    async def _chosen(self, text: str, pending_id: str, payload: dict[str, Any]) -> int | None:
        """Which option of the waiting clarification ``text`` picks, if any.

        A clarification another version of Swoop stored is dropped here: a reply that picks
        by number or button is told the choice has expired; anything else is a new message.
        """
        try:
            waiting = PendingClarification.from_dict(payload)
        except StaleRecordError as exc:
            log.info("dropping a stale clarification (%s): %s", pending_id, exc.message)
            await self.store.take_pending_async(pending_id)
            if _picks_by_number(text, pending_id):
                raise NotFoundError(EXPIRED_CHOICE, hint=EXPIRED_HINT) from None
            return None
        return _choose(text, pending_id, [o.label for o in waiting.options])

    async def _create_clarification_response_async(
        self, clarification: Clarification, message: Message, query_id: str
    ) -> Response:
        """Ask back; the options are kept so a number, a name or a button click can answer."""
        token = await self.store.put_pending_async(
            message.key,
            message.user,
            "clarification",
            PendingClarification.of(clarification, message.text).to_dict(),
            ttl_s=CLARIFICATION_TTL_S,
        )
        await self.store.record_query_async(
            query_id, message.key, message.user, message.text, "clarification", None, None
        )
        return await self.responses.clarification_response_async(
            clarification, token=token, query_id=query_id
        )

    async def _answer_choice(
        self, message: Message, pending_id: str, choice: int, query_id: str
    ) -> Response:
        pending = await self.store.take_pending_async(pending_id)
        if pending is None:
            return await self._process_data_query_async(message, query_id)
        try:
            waiting = PendingClarification.from_dict(pending.payload)
        except StaleRecordError as exc:
            log.info("dropping a stale clarification (%s): %s", pending_id, exc.message)
            raise NotFoundError(EXPIRED_CHOICE, hint=EXPIRED_HINT) from None
        option = waiting.options[choice]
        if option.plan is None:
            raise UnsupportedQueryError(f"I can't answer “{option.label}” yet.")
        understanding = await self._understanding_async()
        compiled = understanding.compile(option.plan, scope=message.scope)
        if isinstance(compiled, NotUnderstood):
            return await self._not_understood(compiled)
        context = await self.store.load_context_async(message.key) or {}
        original = Message(**{**message.__dict__, "text": waiting.question})
        return await self._answer(original, compiled, query_id, context)

    # -- actions ---------------------------------------------------------------------------------

    async def _process_action_request_async(self, message: Message, query_id: str) -> Response:
        """A change request: permission, preview and a confirmation question (nothing written)."""
        return await self.actions.request_async(message, query_id)

    async def _action_engine_async(self) -> ActionEngine:
        if self._action_engine is None:
            understanding = await self._understanding_async()
            self._action_engine = ActionEngine(
                understanding.model,
                self.data,
                understanding.guard,
                understanding.index,
                ActionCatalog.from_model(understanding.model),
            )
        return self._action_engine

    # -- feedback --------------------------------------------------------------------------------

    async def submit_feedback_async(
        self, query_id: str, user: str, rating: int, comment: str | None = None
    ) -> bool:
        """Record 👍 (+1) / 👎 (-1) for an answer; 0 removes it. True if anything changed."""
        if rating == 0:
            return await self.store.remove_feedback_async(query_id, user)
        if rating not in (1, -1):
            raise SwoopError("A rating is +1 or -1.")
        return await self.store.upsert_feedback_async(query_id, user, rating, comment)

    async def remember_answer_async(self, query_id: str, answer_ref: str) -> bool:
        """Tie the platform message that carries an answer (Slack ts, Discord id) to its query."""
        return await self.store.set_answer_ref_async(query_id, answer_ref)

    async def feedback_on_answer_async(
        self, platform: str, answer_ref: str, user: str, rating: int, *, added: bool = True
    ) -> bool:
        """A reaction on an answer message: an added 👍/👎 (+1/-1) records that rating, a removed
        one withdraws it (only if it is still the user's rating). False when the message is not
        one of Swoop's answers (reactions elsewhere are ignored)."""
        record = await self.store.find_query_by_answer_ref_async(platform, answer_ref)
        if record is None:
            return False
        who = f"{platform}:{user}"
        if not added:
            return await self.store.remove_feedback_async(record.query_id, who, rating)
        return await self.submit_feedback_async(record.query_id, who, rating)

    async def get_feedback_stats_async(self, since: datetime | None = None) -> dict[str, Any]:
        records = await self.store.list_feedback_async(since)
        return feedback_stats(records, datetime.now(UTC))

    async def _feedback_from_text(self, message: Message, text: str) -> Response:
        context = await self.store.load_context_async(message.key) or {}
        last = context.get("last_query_id")
        if not last:
            raise NotFoundError("There is no answer in this conversation to rate yet.")
        rating = feedback_rating(text)
        await self.submit_feedback_async(last, f"{message.platform}:{message.user}", rating)
        thanks = "Thanks — glad it helped." if rating > 0 else "Thanks — I'll learn from that."
        return await self.responses.format_response_async(ResponseKind.HELP, thanks)

    async def audit_log_async(
        self, *, limit: int = 50, thread: str | None = None, key: ConversationKey | None = None
    ) -> list[AuditRecord]:
        """Audited changes, newest first (one conversation's when ``key`` or ``thread`` given)."""
        if thread is not None and key is None:
            key = ConversationKey("terminal", "local", "terminal", thread)
        return await self.store.list_audit_async(limit=limit, key=key)

    async def feedback_stats_response_async(self) -> Response:
        stats = await self.get_feedback_stats_async()
        return await self.responses.format_response_async(
            ResponseKind.HELP, stats_text(stats), details={"stats": stats}
        )

    # -- errors, health, lifecycle ---------------------------------------------------------------

    async def _create_error_response_async(
        self, error: BaseException, *, query_id: str | None = None
    ) -> Response:
        """An error answer; a generic recovery hint is put in the model's words when it is
        loaded (an error before that, such as the model failing to load, keeps the generic)."""
        if isinstance(error, SwoopError) and self._understanding is not None:
            worded = topics.error_hints(self._understanding.model).get(type(error))
            if worded is not None and error.hint == type(error).hint:
                return await self.responses.format_error_response_async(
                    error.error_type, error.message, worded, query_id=query_id
                )
        return await self.responses.error_response_async(error, query_id=query_id)

    async def help_response_async(self, *, within_s: float | None = None) -> Response:
        """The answer to "help": what this database can answer about, with example questions.

        ``within_s`` bounds the wait for the model on a first use (a Slack slash command is
        acknowledged within 3 s): past it the help is generic and the model keeps loading.
        """
        if self._understanding is not None:
            model: SemanticModel | None = self._understanding.model
        else:
            loading = asyncio.ensure_future(self._model())
            try:
                model = await asyncio.wait_for(asyncio.shield(loading), within_s)
            except TimeoutError:
                model = None
        return await self.responses.help_response_async(topics.help_text(model))

    async def _model(self) -> SemanticModel | None:
        """The semantic model, for words; ``None`` when it cannot be loaded (say generic ones)."""
        try:
            return (await self._understanding_async()).model
        except SwoopError as exc:
            log.warning("answering in generic words: the model is not loaded (%s)", exc.message)
            return None

    async def health_check_async(self) -> dict[str, Any]:
        data = await self.data.health_check_async()
        state = await self.store.health_check_async()
        status = "ok" if data["status"] == state["status"] == "ok" else "error"
        return {"status": status, "data": data, "state": state, "metrics": self.metrics.snapshot()}

    async def _understanding_async(self) -> Understanding:
        if self._understanding is None:
            async with self._loading:
                if self._understanding is None:
                    path = semantic_model_path(self.settings)
                    loaded = await Understanding.load_async(self.data, path)
                    loaded.clock = self.clock
                    self._understanding = loaded
        return self._understanding

    async def dispose_async(self) -> None:
        await self.data.dispose_async()
        await self.store.dispose_async()

    process_query = sync_twin(process_query_async)
    submit_feedback = sync_twin(submit_feedback_async)
    get_feedback_stats = sync_twin(get_feedback_stats_async)
    feedback_stats_response = sync_twin(feedback_stats_response_async)
    help_response = sync_twin(help_response_async)
    audit_log = sync_twin(audit_log_async)
    remember_answer = sync_twin(remember_answer_async)
    in_conversation = sync_twin(in_conversation_async)
    feedback_on_answer = sync_twin(feedback_on_answer_async)
    health_check = sync_twin(health_check_async)
    dispose = sync_twin(dispose_async)
    _process_data_query = sync_twin(_process_data_query_async)
    _process_action_request = sync_twin(_process_action_request_async)
    _generate_sql_from_query = sync_twin(_generate_sql_from_query_async)
    _create_error_response = sync_twin(_create_error_response_async)
    _create_clarification_response = sync_twin(_create_clarification_response_async)


def _last_plan(context: dict[str, Any]) -> QueryPlan | None:
    return _read_context(context).last_plan


def _read_context(context: dict[str, Any]) -> ConversationContext:
    """The thread's context as stored; one another version wrote is dropped (start afresh)."""
    try:
        return ConversationContext.from_dict(context)
    except StaleRecordError as exc:
        log.info("starting a conversation afresh: %s", exc.message)
        return ConversationContext()


def _kind_of(plan: QueryPlan) -> str:
    if plan.kind == "list":
        return f"list:{plan.subject}"
    return "metric:" + (plan.measures[0].key if plan.measures else plan.subject)


PICK_BY_NUMBER = re.compile(r"(?:option\s*|#)?(\d{1,2})")


def _cleaned_reply(text: str, token: str) -> str:
    cleaned = text.strip().lower().rstrip(".!")
    if cleaned.startswith(f"{token}:"):
        cleaned = cleaned.partition(":")[2]
    return cleaned


def _picks_by_number(text: str, token: str) -> bool:
    """Whether a reply picks an option by its number or button (``N``, ``#N``, ``token:N``)."""
    return PICK_BY_NUMBER.fullmatch(_cleaned_reply(text, token)) is not None


def _choose(text: str, token: str, options: list[str]) -> int | None:
    """Which option (by label) a reply picks: ``token:N`` (a button), ``N``, or its name."""
    cleaned = _cleaned_reply(text, token)
    number = PICK_BY_NUMBER.fullmatch(cleaned)
    if number:
        index = int(number.group(1)) - 1
        return index if 0 <= index < len(options) else None
    if len(cleaned) < 3:
        return None
    labels = [label.lower() for label in options]
    named = [i for i, label in enumerate(labels) if label.split(" (")[0] in cleaned]
    if len(named) == 1:
        return named[0]
    best = process.extractOne(
        cleaned, [label.split(" (")[0] for label in labels], scorer=fuzz.ratio, score_cutoff=85
    )
    return None if best is None else int(best[2])


def _with_timing(response: Response, elapsed_ms: float) -> Response:
    return replace(response, timing_ms=round(elapsed_ms, 2))

"""SlackAdapter: Slack events in, core calls, Block Kit out.

Every listener acknowledges at once and hands the work to a task the adapter owns, so Slack gets
its 2xx within milliseconds while the answer is computed. Whether an event was already handled (a
retry, or the same mention delivered as ``app_mention`` and ``message``) and whether Swoop is part
of a thread are asked of the state store, never kept in memory, so replicas agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Coroutine, Hashable
from dataclasses import replace
from typing import Any, cast

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncBoltRequest

from adapters.slack.app import WEB_API_TIMEOUT_S, build_app, build_client
from adapters.slack.delivery import SlackPoster
from adapters.slack.events import (
    PLATFORM,
    ButtonClick,
    Command,
    Question,
    ReactionFeedback,
    Trigger,
    click_from_payload,
    command_from_payload,
    feedback_from_reaction,
    question_from_event,
)
from adapters.slack.groups import UserGroups
from adapters.slack.payloads import (
    BlockActionsPayload,
    EventCallback,
    MessageEvent,
    ReactionEvent,
    SlashCommand,
)
from adapters.slack.render import OPTION_ACTION, escape, render_response
from bot.config import Settings
from bot.errors import ConfigError, ErrorTypes
from bot.messages import Message, Response, ResponseKind
from bot.processor import QueryProcessor
from bot.state import ConversationKey

log = logging.getLogger("adapters.slack")

EVENTS_PATH = "/slack/events"
# The Events API types Swoop listens to (manifests/slack.yaml subscribes to exactly these;
# "message" arrives as message.channels, message.groups and message.im).
EVENT_TYPES = ("app_mention", "message", "reaction_added", "reaction_removed")
COMMAND = "/swoop"
COMMAND_USAGE = (
    "`/swoop <question>` asks in this channel and answers in a thread · `/swoop stats` shows "
    "feedback · mention @Swoop in a channel or write to it directly; follow up in the thread."
)
# Slack wants a slash command acknowledged within 3 s (docs.slack.dev, "Implementing slash
# commands"); /swoop help waits at most this long for the model, else it is generic.
HELP_WITHIN_S = 2.0
# Answers whose message is tied to the query, so 👍/👎 on it become feedback.
REMEMBERED_KINDS = frozenset({ResponseKind.DATA, ResponseKind.CLARIFICATION, ResponseKind.ACTION})
MAX_CONCURRENT_ANSWERS = 8  # answers computed at once per replica; the rest wait their turn
CLOSE_GRACE_S = 10.0  # on shutdown, unfinished answers get this long before being cancelled


class KeyedLocks:
    """One FIFO lock per key while anyone holds or waits for it: answers in a thread (and
    reactions on an answer) are handled in the order Slack sent them."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class SlackAdapter:
    """Swoop on Slack: HTTP Events API routes, or a Socket Mode connection."""

    def __init__(self, processor: QueryProcessor, settings: Settings) -> None:
        self.processor = processor
        self.settings = settings
        self.client = build_client(settings)
        self.app: AsyncApp = build_app(settings, self.client)
        self.poster = SlackPoster(self.client)
        wants_groups = any(entry.startswith("slack-group:") for entry in settings.admins)
        self.groups = UserGroups(self.client) if wants_groups else None
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_ANSWERS)
        self._ordered = KeyedLocks()
        self._socket: AsyncSocketModeHandler | None = None
        self._session: aiohttp.ClientSession | None = None
        self._closing = False
        listeners = {
            "app_mention": self._on_message,
            "message": self._on_message,
            "reaction_added": self._on_reaction,
            "reaction_removed": self._on_reaction,
        }
        for event_type in EVENT_TYPES:
            self.app.event(event_type)(listeners[event_type])
        self.app.action(OPTION_ACTION)(self._on_option)
        self.app.command(COMMAND)(self._on_command)

    # -- starting and stopping -------------------------------------------------------------------

    def http_routes(self) -> list[web.RouteDef]:
        """``POST /slack/events``: events, interactivity and ``/swoop`` on one verified path."""
        if self.settings.slack_signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set; Slack HTTP mode needs it to verify requests "
                "(or set SLACK_APP_TOKEN for Socket Mode)."
            )
        return [web.post(EVENTS_PATH, self._handle_http)]

    async def start_socket_mode_async(self) -> None:
        """Connect to Slack over Socket Mode (``SLACK_APP_TOKEN``); returns once connected."""
        if self.settings.slack_app_token is None:
            raise ConfigError("SLACK_APP_TOKEN is not set; Socket Mode needs the app token.")
        self._ensure_session()
        self._socket = AsyncSocketModeHandler(
            self.app,
            app_token=self.settings.slack_app_token.get_secret_value(),
            web_client=self.client,
            logger=log,
        )
        await self._socket.connect_async()  # type: ignore[no-untyped-call]  # untyped in Bolt

    async def drain_async(self, within_s: float | None = None) -> bool:
        """Wait until no answer is in progress (at most ``within_s``); True when idle."""
        loop = asyncio.get_running_loop()
        deadline = None if within_s is None else loop.time() + within_s
        while self._tasks:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=left)
        return True

    async def close_async(self) -> None:
        """Stop taking events, let running answers finish (briefly), and close connections."""
        self._closing = True
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]  # untyped in Bolt
            self._socket = None
        if not await self.drain_async(CLOSE_GRACE_S):
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
            self.client.session = None

    def _ensure_session(self) -> None:
        """One pooled HTTP session for every Web API call (created on the running loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=WEB_API_TIMEOUT_S)
            )
            self.client.session = self._session

    async def _handle_http(self, request: web.Request) -> web.Response:
        if self._closing:  # shutting down: Slack retries elsewhere (or after the restart)
            return web.Response(status=503, text="shutting down")
        self._ensure_session()
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        if self._closing:
            work.close()
            return
        task = asyncio.create_task(self._guarded(work, name), name=f"slack:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await work
        except Exception:
            log.exception("Slack %s failed", name)

    # -- listeners: acknowledge, parse, hand over ------------------------------------------------

    async def _on_message(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        request: AsyncBoltRequest,
    ) -> None:
        await ack()
        callback = cast(EventCallback, body)
        event = cast(MessageEvent, callback.get("event", {}))
        question = question_from_event(
            event,
            team=callback.get("team_id", ""),
            bot_user_id=context.bot_user_id,
            settings=self.settings,
        )
        if question is not None:
            retry = request.headers.get("x-slack-retry-num", ["0"])[0]
            if retry != "0":
                log.info("Slack retry %s of event %s", retry, callback.get("event_id"))
            self._spawn(self._question_async(question, callback.get("event_id")), "question")

    async def _on_reaction(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        callback = cast(EventCallback, body)
        feedback = feedback_from_reaction(
            cast(ReactionEvent, callback.get("event", {})), context.bot_user_id
        )
        if feedback is not None:
            self._spawn(self._feedback_async(feedback, callback.get("event_id")), "reaction")

    async def _on_option(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        click = click_from_payload(cast(BlockActionsPayload, body), self.settings)
        if click is not None:
            self._spawn(self._click_async(click), "button")

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        command = command_from_payload(cast(SlashCommand, body))
        if command.verb == "help":
            help_answer = await self.processor.help_response_async(within_s=HELP_WITHIN_S)
            rendered = render_response(help_answer)
            usage = {"type": "context", "elements": [{"type": "mrkdwn", "text": COMMAND_USAGE}]}
            await ack(text=rendered.text, blocks=[*rendered.blocks, usage])
            return
        await ack()
        self._spawn(self._command_async(command), f"command {command.verb}")

    # -- the work --------------------------------------------------------------------------------

    async def _first_time(self, event_id: str | None) -> bool:
        """True unless any replica already took this event (exact, through the state store)."""
        return event_id is None or await self.processor.store.mark_event_seen_async(
            PLATFORM, event_id
        )

    async def _swoop_in_thread(self, key: ConversationKey) -> bool:
        """Swoop has answered in this thread (any kind of answer, kept in the state store)."""
        return await self.processor.in_conversation_async(key)

    async def _question_async(self, question: Question, event_id: str | None) -> None:
        message = question.message
        if question.trigger is Trigger.THREAD and not await self._swoop_in_thread(message.key):
            return
        if not await self._first_time(event_id):
            return
        if not await self._first_time(f"msg:{message.channel}:{question.ts}"):
            return  # the same message as app_mention and as message: answered once
        await self._answer_async(message, question_ts=question.ts)

    async def _answer_async(self, message: Message, *, question_ts: str) -> None:
        """👀 on the question, the answer in its thread, 👀 off."""
        await self.poster.react_async(message.channel, question_ts, add=True)
        try:
            async with self._ordered.hold(message.key), self._slots:
                response = await self.processor.process_query_async(
                    await self._with_groups(message)
                )
                await self._post_answer_async(message, response)
        finally:
            await self.poster.react_async(message.channel, question_ts, add=False)

    async def _with_groups(self, message: Message) -> Message:
        """The sender's Slack user groups, when SWOOP_ADMINS names any (``slack-group:S…``)."""
        if self.groups is None:
            return message
        return replace(message, user_groups=await self.groups.groups_of(message.user))

    async def _post_answer_async(self, message: Message, response: Response) -> None:
        ts = await self.poster.post_answer_async(message.channel, message.thread, response)
        if ts is not None and response.query_id and response.kind in REMEMBERED_KINDS:
            await self.processor.remember_answer_async(response.query_id, f"{message.channel}:{ts}")

    async def _feedback_async(self, feedback: ReactionFeedback, event_id: str | None) -> None:
        if not await self._first_time(event_id):
            return
        async with self._ordered.hold(("reaction", feedback.answer_ref, feedback.user)):
            await self.processor.feedback_on_answer_async(
                PLATFORM, feedback.answer_ref, feedback.user, feedback.rating, added=feedback.added
            )

    async def _click_async(self, click: ButtonClick) -> None:
        """A button continues the conversation as if its value had been typed in the thread."""
        if not await self._first_time(click.click_id):
            return
        async with self._ordered.hold(click.message.key), self._slots:
            response = await self.processor.process_query_async(
                await self._with_groups(click.message)
            )
            refused = response.error_type is ErrorTypes.PERMISSION_ERROR
            if not refused:  # a refused click leaves the buttons for the person who may click
                await self.poster.mark_choice_async(click)
            await self._post_answer_async(click.message, response)

    async def _command_async(self, command: Command) -> None:
        if command.verb == "stats":
            if command.response_url:
                stats = await self.processor.feedback_stats_response_async()
                await self.poster.respond_async(command.response_url, stats)
            return
        asked = f"<@{command.user}> asked: {escape(command.text)}"
        root = await self.poster.post_text_async(command.channel, asked)
        if root is not None:
            message = self._command_message(command, thread=root)
            await self._answer_async(message, question_ts=root)
            return
        # Swoop is not in the channel: answer privately, once (no thread to follow up in).
        if command.response_url:
            message = self._command_message(command, thread=f"command:{uuid.uuid4().hex[:12]}")
            async with self._slots:
                response = await self.processor.process_query_async(message)
            await self.poster.respond_answer_async(command.response_url, response)

    def _command_message(self, command: Command, *, thread: str) -> Message:
        return Message(
            platform=PLATFORM,
            workspace=command.team,
            channel=command.channel,
            thread=thread,
            user=command.user,
            text=command.text,
            message_id=thread,
            scope=self.settings.scope_for(PLATFORM, command.channel),
        )

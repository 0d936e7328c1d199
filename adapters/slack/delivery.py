"""Swoop's output to Slack: answers in threads, the 👀 while working, CSV files, updated buttons
and ephemeral replies. Slack's refusals become simpler messages or log lines, never exceptions.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.events import ButtonClick
from adapters.slack.payloads import Block
from adapters.slack.render import (
    SlackMessage,
    escape,
    render_response,
    text_only,
    with_choice,
)
from bot.messages import Response

log = logging.getLogger("adapters.slack")

WORKING_REACTION = "eyes"
# chat.postMessage errors answered by posting a simpler rendering instead
# (https://docs.slack.dev/reference/methods/chat.postMessage#errors)
SIMPLER_RENDERING_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long"})
# reactions.add/remove errors that only mean "already so"
HARMLESS_REACTION_ERRORS = frozenset({"already_reacted", "no_reaction", "message_not_found"})
NOT_IN_CHANNEL_NOTE = (
    "Only you can see this: I'm not in this channel. Invite me (`/invite @Swoop`) to get "
    "answers in a thread that others can see and follow up on."
)


def slack_error(exc: SlackApiError) -> str:
    """The ``error`` code of a failed Web API call (``ratelimited``, ``invalid_blocks``, ...)."""
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error", "unknown")) if isinstance(data, dict) else "unknown"


class SlackPoster:
    """Posts through one Web API client (its session and retry handlers are shared)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def react_async(self, channel: str, ts: str, *, add: bool) -> None:
        """Add or remove the 👀 on a question."""
        call = self.client.reactions_add if add else self.client.reactions_remove
        try:
            await call(channel=channel, timestamp=ts, name=WORKING_REACTION)
        except SlackApiError as exc:
            if slack_error(exc) not in HARMLESS_REACTION_ERRORS:
                log.warning("Slack refused the %s reaction: %s", WORKING_REACTION, slack_error(exc))

    async def post_text_async(self, channel: str, text: str) -> str | None:
        """A plain message in a channel (the root of a /swoop thread); its ts, or None."""
        try:
            return await self._post(channel, None, text, None)
        except SlackApiError as exc:
            log.info("could not post in %s: %s", channel, slack_error(exc))
            return None

    async def post_answer_async(
        self, channel: str, thread_ts: str, response: Response
    ) -> str | None:
        """The answer in the thread, then its CSV when the table was too long; the answer's ts."""
        rendered = render_response(response)
        ts = await self._post_with_fallback(channel, thread_ts, rendered, response)
        if ts is not None and rendered.csv is not None:
            await self._upload_csv(channel, thread_ts, rendered, response)
        return ts

    async def _post(
        self, channel: str, thread_ts: str | None, text: str, blocks: list[Block] | None
    ) -> str:
        fields: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
        if thread_ts is not None:
            fields["thread_ts"] = thread_ts
        if blocks is not None:
            fields["blocks"] = blocks
        result = await self.client.chat_postMessage(channel=channel, text=text, **fields)
        return str(result["ts"])

    async def _post_with_fallback(
        self, channel: str, thread_ts: str, rendered: SlackMessage, response: Response
    ) -> str | None:
        try:
            return await self._post(channel, thread_ts, rendered.text, rendered.blocks)
        except SlackApiError as exc:
            error = slack_error(exc)
            if error not in SIMPLER_RENDERING_ERRORS:
                log.warning("Slack refused an answer in %s: %s", channel, error)
                return None
            log.warning("Slack refused the blocks (%s); posting the answer as text", error)
        try:
            return await self._post(channel, thread_ts, text_only(response), None)
        except SlackApiError as exc:
            log.warning("Slack refused the text answer in %s: %s", channel, slack_error(exc))
            return None

    async def _upload_csv(
        self, channel: str, thread_ts: str, rendered: SlackMessage, response: Response
    ) -> None:
        name = f"swoop-{response.query_id or 'result'}.csv"
        try:
            await self.client.files_upload_v2(
                channel=channel,
                thread_ts=thread_ts,
                content=rendered.csv,
                filename=name,
                title=f"Full result ({rendered.csv_rows:,} rows)",
            )
        except (SlackApiError, SlackRequestError) as exc:
            log.warning("could not upload %s: %s", name, exc)

    async def mark_choice_async(self, click: ButtonClick) -> None:
        """Replace the clicked message's buttons with "✔ <user> chose <label>"."""
        blocks = with_choice(click.original_blocks, click.message.user, click.label)
        text = click.original_text or escape(click.label)
        try:
            if click.ephemeral and click.response_url:
                await self._webhook(click.response_url).send(
                    text=text, blocks=blocks, replace_original=True
                )
            else:
                await self.client.chat_update(
                    channel=click.channel, ts=click.message_ts, text=text, blocks=blocks
                )
        except SlackApiError as exc:
            log.warning("could not update the clicked message: %s", slack_error(exc))

    async def respond_async(
        self, response_url: str, response: Response, *, note: str | None = None
    ) -> None:
        """An ephemeral reply through a slash command's ``response_url``."""
        rendered = render_response(response)
        blocks = rendered.blocks
        if note:
            blocks = [*blocks, {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
        try:
            result = await self._webhook(response_url).send(
                text=rendered.text, blocks=blocks, response_type="ephemeral"
            )
        except (SlackApiError, SlackRequestError) as exc:
            log.warning("could not answer through the response_url: %s", exc)
            return
        if result.status_code != 200:
            log.warning("the response_url answered %s: %s", result.status_code, result.body)

    async def respond_answer_async(self, response_url: str, response: Response) -> None:
        """An answer for a channel Swoop cannot post in: private, without buttons to follow."""
        await self.respond_async(
            response_url, replace(response, options=()), note=NOT_IN_CHANNEL_NOTE
        )

    def _webhook(self, url: str) -> AsyncWebhookClient:
        return AsyncWebhookClient(
            url,
            session=self.client.session,
            retry_handlers=list(self.client.retry_handlers),
            logger=log,
        )

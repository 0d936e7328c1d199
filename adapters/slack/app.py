"""The slack-bolt ``AsyncApp`` and its Web API client, configured for Swoop.

``process_before_response=True``: Bolt answers Slack only when a listener returns, and Swoop's
listeners return right after ``ack()`` — the answer is computed in a task the adapter owns (and
waits for on shutdown). So the 3-second acknowledgement never waits for a database, in HTTP mode
and in Socket Mode alike, and no work is left in untracked futures.
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.errors import ConfigError

log = logging.getLogger("adapters.slack")

# A 429 is retried after its Retry-After, this many times per call
# (https://docs.slack.dev/apis/web-api/rate-limits).
RATE_LIMIT_RETRIES = 2
WEB_API_TIMEOUT_S = 30


def api_base_url(settings: Settings) -> str:
    """``SLACK_API_URL`` with the trailing slash the SDK joins method names onto."""
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


def build_client(settings: Settings) -> AsyncWebClient:
    """The bot's Web API client: ``SLACK_API_URL``, and 429 answers retried after Retry-After."""
    if settings.slack_bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN is not set; Slack needs the bot token (xoxb-...).")
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=api_base_url(settings),
        timeout=WEB_API_TIMEOUT_S,
        logger=log,
    )
    client.retry_handlers.append(
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    )
    return client


def build_app(settings: Settings, client: AsyncWebClient) -> AsyncApp:
    """A single-workspace Bolt app that verifies every HTTP request with the signing secret.

    Bolt's built-in middleware answers 401 to a wrong signature or a timestamp more than five
    minutes off, answers ``url_verification``, and drops events caused by Swoop itself.
    """
    secret = settings.slack_signing_secret
    return AsyncApp(
        name="swoop",
        client=client,
        # Empty only in Socket Mode, where Bolt does not verify (the socket is authenticated);
        # the HTTP route refuses to exist without a secret (SlackAdapter.http_routes).
        signing_secret=secret.get_secret_value() if secret is not None else "",
        process_before_response=True,
        logger=log,
    )

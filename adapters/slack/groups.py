"""Slack user groups of a user, for ``slack-group:S…`` entries of ``SWOOP_ADMINS``.

Looked up only when such entries exist: one ``usergroups.list`` (with members) per
``GROUPS_TTL_S``, shared by every message of this replica.
"""

from __future__ import annotations

import asyncio
import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

GROUPS_TTL_S = 300.0


class UserGroups:
    """Which user groups each user belongs to, refreshed every ``GROUPS_TTL_S``."""

    def __init__(self, client: AsyncWebClient, ttl_s: float = GROUPS_TTL_S) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._members: dict[str, tuple[str, ...]] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def groups_of(self, user: str) -> tuple[str, ...]:
        async with self._lock:
            if time.monotonic() - self._loaded_at > self._ttl_s:
                await self._load()
        return self._members.get(user, ())

    async def _load(self) -> None:
        try:
            answer = await self._client.usergroups_list(include_users=True)
        except SlackApiError as exc:
            log.warning("could not list Slack user groups: %s", exc.response.get("error"))
            return
        except (OSError, TimeoutError) as exc:  # unreachable: nobody gains group rights
            log.warning("could not list Slack user groups: %s", type(exc).__name__)
            return
        members: dict[str, list[str]] = {}
        for group in answer.get("usergroups") or []:
            for user in group.get("users") or []:
                members.setdefault(str(user), []).append(str(group["id"]))
        self._members = {user: tuple(groups) for user, groups in members.items()}
        self._loaded_at = time.monotonic()

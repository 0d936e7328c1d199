"""A loopback fake of Discord for end-to-end tests: REST API v10 and the gateway, on 127.0.0.1.

The gateway speaks enough of the real protocol for discord.py: HELLO (op 10), IDENTIFY (op 2) →
READY and GUILD_CREATE (one guild with a text channel, roles and the bot member), heartbeats
(op 1 → op 11), RESUME (op 6 → RESUMED), and whatever the test dispatches (MESSAGE_CREATE,
INTERACTION_CREATE, MESSAGE_REACTION_ADD/REMOVE). Frames are uncompressed JSON text, which
discord.py accepts whatever ``compress`` it asks for. Like Discord, the fake echoes the bot's own
messages, threads and reactions back over the gateway.

Every REST call is recorded (:class:`Call`: method, path below ``/api/v10``, JSON or multipart
``payload_json``, attached files) and answered the way Discord does for the routes Swoop uses.
Tests wait for calls with :meth:`FakeDiscord.wait_for`, which wakes on each new call.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from aiohttp import BodyPartReader, WSMsgType, web

TOKEN = "test-bot-token"
APP_ID = 1_100_000_000_000_000_001  # also the bot user's id, as on Discord
GUILD_ID = 1_100_000_000_000_000_100
CHANNEL_ID = 1_100_000_000_000_000_200
ADMIN_ROLE_ID = 1_100_000_000_000_000_300
BOT_ROLE_ID = 1_100_000_000_000_000_301  # the bot's managed role
ANN = 1_100_000_000_000_000_401
BOB = 1_100_000_000_000_000_402
TIMESTAMP = "2025-06-15T12:00:00.000000+00:00"
EPHEMERAL = 64  # message flags
LOADING = 128
WAIT_S = 15.0  # how long a test waits for the bot
API = "/api/v10"

Payload = dict[str, Any]


class EmojiPayload(TypedDict):
    id: str | None
    name: str


@dataclass
class Call:
    """One REST request as the fake saw it."""

    method: str
    path: str  # below /api/v10, e.g. /channels/1/messages
    query: dict[str, str]
    json: Any  # the JSON body, or a multipart body's payload_json
    files: dict[str, bytes]  # attachment filename → bytes
    status: int = 200
    authorized: bool = True
    answer: Any = None  # what the fake answered (e.g. the created message)


@dataclass
class Interaction:
    """An interaction the test dispatched: its id and token, for the callback and followups."""

    id: int
    token: str
    channel_id: int
    guild_id: int | None
    message_id: int | None = None  # the clicked message, for a component interaction
    original_id: int | None = None  # the response message (a deferral's "thinking…" one)
    loading: bool = False  # deferred: the first followup replaces the "thinking…" message


@dataclass
class FakeDiscord:
    """Start with ``await FakeDiscord().start()``; ``api_url``/``gateway_url`` go in settings."""

    calls: list[Call] = field(default_factory=list)
    messages: dict[int, Payload] = field(default_factory=dict)  # by id, as last sent or edited
    interactions: dict[str, Interaction] = field(default_factory=dict)  # by token
    identified: list[Payload] = field(default_factory=list)  # IDENTIFY payloads (op 2 "d")
    gateway_queries: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1_200_000_000_000_000_000)
    )
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _channels: dict[int, Payload] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._channels[CHANNEL_ID] = text_channel(CHANNEL_ID, "general")
        return self

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.base_url + API

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway"

    # -- inspecting ------------------------------------------------------------------------------

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        """Calls whose method matches and whose path matches the regular expression fully."""
        return [c for c in self.calls if c.method == method and re.fullmatch(pattern, c.path)]

    async def wait_for(
        self,
        method: str,
        pattern: str,
        count: int = 1,
        *,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait (up to ``WAIT_S``) for ``count`` calls of ``method`` on a path like ``pattern``."""

        def matching() -> list[Call]:
            return [c for c in self.calls_to(method, pattern) if where is None or where(c)]

        async with asyncio.timeout(WAIT_S), self._changed:
            await self._changed.wait_for(lambda: len(matching()) >= count)
        return matching()

    async def wait_until_identified(self, count: int = 1) -> None:
        """Wait (up to ``WAIT_S``) until ``count`` clients sent IDENTIFY."""
        async with asyncio.timeout(WAIT_S), self._changed:
            await self._changed.wait_for(lambda: len(self.identified) >= count)

    # -- what a test makes happen ----------------------------------------------------------------

    async def dispatch(self, event: str, data: Payload) -> None:
        """Send a gateway DISPATCH (op 0) to every connected client."""
        for socket in list(self._sockets):
            if not socket.closed:
                await socket.send_str(
                    json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data})
                )

    async def user_message(
        self,
        content: str,
        *,
        user: int = ANN,
        channel_id: int = CHANNEL_ID,
        roles: tuple[int, ...] = (),
        dm: bool = False,
    ) -> Payload:
        """A person posts ``content`` (``<@APP_ID>`` in it mentions the bot); MESSAGE_CREATE."""
        mentions = [user_payload(APP_ID, "Swoop", bot=True)] if f"<@{APP_ID}>" in content else []
        message = self._new_message(channel_id, {"content": content}, author=user_payload(user))
        message["mentions"] = mentions
        if not dm:
            message["guild_id"] = str(GUILD_ID)
            message["member"] = member_payload(roles)
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def slash_command(
        self,
        name: str,
        options: dict[str, str] | None = None,
        *,
        user: int = ANN,
        channel_id: int = CHANNEL_ID,
        roles: tuple[int, ...] = (),
    ) -> Interaction:
        """INTERACTION_CREATE for an application command (type 2)."""
        data: Payload = {"id": str(next(self._ids)), "name": name, "type": 1}
        if options:
            data["options"] = [{"name": k, "type": 3, "value": v} for k, v in options.items()]
        return await self._interaction(2, data, user=user, channel_id=channel_id, roles=roles)

    async def click(
        self, message_id: int, custom_id: str, *, user: int = ANN, roles: tuple[int, ...] = ()
    ) -> Interaction:
        """INTERACTION_CREATE for a button (type 3) on a message the bot sent."""
        message = self.messages[message_id]
        return await self._interaction(
            3,
            {"custom_id": custom_id, "component_type": 2},
            user=user,
            channel_id=int(message["channel_id"]),
            roles=roles,
            message=message,
        )

    async def react(
        self, message_id: int, emoji: str, *, user: int = ANN, add: bool = True
    ) -> None:
        """MESSAGE_REACTION_ADD / _REMOVE by ``user`` on a message."""
        message = self.messages[message_id]
        await self.dispatch(
            "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE",
            self._reaction(message, emoji, user, add=add),
        )

    # -- the gateway -----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.gateway_queries.append(dict(request.query))
        self._sockets.append(socket)
        try:
            await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    break
                payload = json.loads(frame.data)
                if payload["op"] == 1:
                    await socket.send_str(json.dumps({"op": 11}))
                elif payload["op"] == 2:
                    await self._ready(socket, payload["d"])
                elif payload["op"] == 6:
                    await socket.send_str(
                        json.dumps({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}})
                    )
        finally:
            self._sockets.remove(socket)
        return socket

    async def _ready(self, socket: web.WebSocketResponse, identify: Payload) -> None:
        ready = {
            "v": 10,
            "user": user_payload(APP_ID, "Swoop", bot=True),
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(APP_ID), "flags": 0},
        }
        for event, data in (("READY", ready), ("GUILD_CREATE", self._guild())):
            await socket.send_str(
                json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data})
            )
        async with self._changed:
            self.identified.append(identify)
            self._changed.notify_all()

    def _guild(self) -> Payload:
        everyone = role_payload(GUILD_ID, "@everyone", 0)
        admin = role_payload(ADMIN_ROLE_ID, "Managers", 1)
        bot_role = {**role_payload(BOT_ROLE_ID, "Swoop", 2), "managed": True}
        bot_role["tags"] = {"bot_id": str(APP_ID)}
        bot_member = {**member_payload((BOT_ROLE_ID,)), "user": user_payload(APP_ID, bot=True)}
        return {
            "id": str(GUILD_ID),
            "name": "Oak Hollow Country Club",
            "icon": None,
            "owner_id": str(ANN),
            "unavailable": False,
            "large": False,
            "member_count": 3,
            "joined_at": TIMESTAMP,
            "roles": [everyone, admin, bot_role],
            "channels": [c for c in self._channels.values() if c["type"] == 0],
            "threads": [c for c in self._channels.values() if c["type"] == 11],
            "members": [bot_member],
            "voice_states": [],
            "presences": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "nsfw_level": 0,
            "system_channel_flags": 0,
        }

    # -- the REST API ----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        call = Call(request.method, path, dict(request.query), body, files)
        needs_auth = not path.startswith(("/webhooks/", "/interactions/"))
        if needs_auth and request.headers.get("Authorization") != f"Bot {TOKEN}":
            call.status, call.authorized = 401, False
            await self._record(call)
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if method == request.method and match:
                status, answer = await handler(call, *match.groups())
                call.status, call.answer = status, answer
                await self._record(call)
                if answer is None:
                    return web.Response(status=204)
                return _json(answer, status=status)
        call.status = 404
        await self._record(call)
        return _json({"message": "Unknown route", "code": 0}, status=404)

    def _routes(
        self,
    ) -> list[tuple[str, str, Callable[..., Awaitable[tuple[int, Any]]]]]:
        message = r"/channels/(\d+)/messages/(\d+)"
        hook = r"/webhooks/(\d+)/([^/]+)"
        return [
            ("GET", r"/users/@me", self._me),
            ("GET", r"/oauth2/applications/@me", self._application),
            ("GET", r"/gateway(?:/bot)?", self._gateway_url),
            ("POST", r"/channels/(\d+)/messages", self._create_message),
            ("PATCH", message, self._edit_message),
            ("POST", r"/channels/(\d+)/typing", self._no_content),
            ("PUT", message + r"/reactions/([^/]+)/@me", self._own_reaction),
            ("DELETE", message + r"/reactions/([^/]+)/@me", self._own_reaction),
            ("POST", message + r"/threads", self._start_thread),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("POST", hook, self._followup),
            ("PATCH", hook + r"/messages/([^/]+)", self._edit_followup),
            ("PUT", r"/applications/(\d+)(?:/guilds/(\d+))?/commands", self._commands),
        ]

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _me(self, call: Call) -> tuple[int, Any]:
        return 200, user_payload(APP_ID, "Swoop", bot=True)

    async def _application(self, call: Call) -> tuple[int, Any]:
        return 200, {
            "id": str(APP_ID),
            "name": "Swoop",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user_payload(ANN),
            "verify_key": "0" * 64,
            "flags": 0,
        }

    async def _gateway_url(self, call: Call) -> tuple[int, Any]:
        limits = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limits}

    async def _no_content(self, call: Call, *_: str) -> tuple[int, Any]:
        return 204, None

    async def _create_message(self, call: Call, channel_id: str) -> tuple[int, Any]:
        message = self._new_message(int(channel_id), call.json or {}, files=call.files)
        await self._echo(message)
        return 200, message

    async def _edit_message(self, call: Call, channel_id: str, message_id: str) -> tuple[int, Any]:
        message = self.messages[int(message_id)]
        message.update({k: v for k, v in (call.json or {}).items() if k in _EDITABLE})
        return 200, message

    async def _own_reaction(
        self, call: Call, channel_id: str, message_id: str, emoji: str
    ) -> tuple[int, Any]:
        message = self.messages[int(message_id)]
        name = urllib.parse.unquote(emoji)
        event = "MESSAGE_REACTION_ADD" if call.method == "PUT" else "MESSAGE_REACTION_REMOVE"
        add = call.method == "PUT"
        await self.dispatch(event, self._reaction(message, name, APP_ID, add=add))
        return 204, None

    async def _start_thread(self, call: Call, channel_id: str, message_id: str) -> tuple[int, Any]:
        body = call.json or {}
        thread_id = int(message_id)  # Discord gives a thread made from a message that message's id
        thread = {
            "id": str(thread_id),
            "guild_id": str(GUILD_ID),
            "parent_id": channel_id,
            "owner_id": str(APP_ID),
            "name": body["name"],
            "type": 11,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 4320),
                "archive_timestamp": TIMESTAMP,
                "locked": False,
                "create_timestamp": TIMESTAMP,
            },
        }
        self._channels[thread_id] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return 201, thread

    async def _callback(self, call: Call, interaction_id: str, token: str) -> tuple[int, Any]:
        body = call.json or {}
        kind, data = body["type"], body.get("data") or {}
        interaction = self.interactions[token]
        answer: Payload = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if kind in (4, 5):  # a message in reply, or "thinking…" until the first followup
            loading = {"flags": data.get("flags", 0) | LOADING} if kind == 5 else data
            message = self._new_message(interaction.channel_id, loading, files=call.files)
            interaction.original_id, interaction.loading = int(message["id"]), kind == 5
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"]["message"] = message
        elif kind == 7 and interaction.message_id is not None:  # the clicked message, updated
            message = self.messages[interaction.message_id]
            message.update({k: v for k, v in data.items() if k in _EDITABLE})
            answer["resource"]["message"] = message
        return 200, answer

    async def _followup(self, call: Call, application_id: str, token: str) -> tuple[int, Any]:
        interaction = self.interactions[token]
        message = self._new_message(interaction.channel_id, call.json or {}, files=call.files)
        if interaction.loading and interaction.original_id is not None:
            # Like Discord: the first followup after a deferral becomes the original response.
            del self.messages[int(message["id"])]
            message["id"] = str(interaction.original_id)
            self.messages[interaction.original_id] = message
            interaction.loading = False
        message["webhook_id"] = application_id
        message["application_id"] = application_id
        await self._echo(message)
        return 200, message

    async def _edit_followup(
        self, call: Call, application_id: str, token: str, message_id: str
    ) -> tuple[int, Any]:
        interaction = self.interactions[token]
        if message_id == "@original":
            if interaction.original_id is None:
                return 404, {"message": "Unknown Message", "code": 10008}
            message_id = str(interaction.original_id)
            interaction.loading = False
        message = self.messages[int(message_id)]
        message.update({k: v for k, v in (call.json or {}).items() if k in _EDITABLE})
        return 200, message

    async def _commands(
        self, call: Call, application_id: str, guild_id: str | None
    ) -> tuple[int, Any]:
        commands = []
        for command in call.json or []:
            commands.append(
                {
                    "type": 1,
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    **command,
                    "id": str(next(self._ids)),
                    "application_id": application_id,
                    "version": str(next(self._ids)),
                    **({"guild_id": guild_id} if guild_id else {}),
                }
            )
        return 200, commands

    # -- payloads --------------------------------------------------------------------------------

    def _new_message(
        self,
        channel_id: int,
        body: Payload,
        *,
        author: Payload | None = None,
        files: dict[str, bytes] | None = None,
    ) -> Payload:
        message_id = next(self._ids)
        attachments = [
            {
                "id": str(next(self._ids)),
                "filename": name,
                "size": len(data),
                "url": f"{self.base_url}/attachments/{name}",
                "proxy_url": f"{self.base_url}/attachments/{name}",
            }
            for name, data in (files or {}).items()
        ]
        message: Payload = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": author or user_payload(APP_ID, "Swoop", bot=True),
            "content": body.get("content", ""),
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": body.get("embeds", []),
            "components": body.get("components", []),
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0),
        }
        self.messages[message_id] = message
        return message

    async def _echo(self, message: Payload) -> None:
        """Discord tells the bot about its own messages too (but not about ephemeral ones)."""
        if message["flags"] & EPHEMERAL:
            return
        channel = self._channels.get(int(message["channel_id"]))
        extra = {"guild_id": str(GUILD_ID)} if channel is not None else {}
        await self.dispatch("MESSAGE_CREATE", {**message, **extra})

    def _reaction(self, message: Payload, emoji: str, user: int, *, add: bool) -> Payload:
        data: Payload = {
            "user_id": str(user),
            "channel_id": message["channel_id"],
            "message_id": message["id"],
            "emoji": EmojiPayload(id=None, name=emoji),
            "burst": False,
            "type": 0,
        }
        if int(message["channel_id"]) in self._channels:
            data["guild_id"] = str(GUILD_ID)
            if add:
                roles = (BOT_ROLE_ID,) if user == APP_ID else ()
                data["member"] = {
                    **member_payload(roles),
                    "user": user_payload(user, bot=user == APP_ID),
                }
        if add:
            data["message_author_id"] = message["author"]["id"]
        return data

    async def _interaction(
        self,
        kind: int,
        data: Payload,
        *,
        user: int,
        channel_id: int,
        roles: tuple[int, ...],
        message: Payload | None = None,
    ) -> Interaction:
        interaction_id = next(self._ids)
        token = f"itoken-{interaction_id}"
        channel = self._channels.get(channel_id)
        guild_id = GUILD_ID if channel is not None else None
        message_id = int(message["id"]) if message is not None else None
        interaction = Interaction(interaction_id, token, channel_id, guild_id, message_id)
        self.interactions[token] = interaction
        payload: Payload = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": str(channel_id),
            "channel": channel or {"id": str(channel_id), "type": 1},
            "locale": "en-US",
            "app_permissions": "2248473465835073",
            "entitlements": [],
            "attachment_size_limit": 10_485_760,
            "context": 0 if guild_id else 1,
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            payload["guild_locale"] = "en-US"
            payload["member"] = {
                **member_payload(roles),
                "user": user_payload(user),
                "permissions": "2248473465835073",
            }
        else:
            payload["user"] = user_payload(user)
        if message is not None:
            payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction


def _json(answer: Any, *, status: int = 200) -> web.Response:
    """JSON with exactly ``Content-Type: application/json`` (discord.py compares the header)."""
    return web.Response(
        body=json.dumps(answer).encode(), status=status, content_type="application/json"
    )


_EDITABLE = {"content", "embeds", "components", "flags", "attachments"}


async def _read_body(request: web.Request) -> tuple[Any, dict[str, bytes]]:
    """The JSON body, or a multipart body's ``payload_json`` and files (as discord.py sends)."""
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: dict[str, bytes] = {}
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                payload = json.loads(data)
            elif part.filename:
                files[part.filename] = bytes(data)
        return payload, files
    if request.can_read_body:
        text = await request.text()
        return (json.loads(text) if text else None), {}
    return None, {}


def user_payload(user_id: int, name: str | None = None, *, bot: bool = False) -> Payload:
    return {
        "id": str(user_id),
        "username": name or f"user{user_id % 1000}",
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def member_payload(roles: tuple[int, ...]) -> Payload:
    """A guild member without its "user" (MESSAGE_CREATE sends it so; others add it)."""
    return {
        "roles": [str(r) for r in roles],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
    }


def role_payload(role_id: int, name: str, position: int) -> Payload:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "hoist": False,
        "position": position,
        "permissions": "2248473465835073",
        "managed": False,
        "mentionable": True,
        "flags": 0,
    }


def text_channel(channel_id: int, name: str) -> Payload:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "parent_id": None,
        "topic": None,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": None,
    }

"""A loopback fake of Slack for end-to-end tests: the Web API, file uploads, response URLs and a
Socket Mode WebSocket, on 127.0.0.1 at a random port.

It records every call (method name, parsed query/form/JSON arguments, token, status) and answers
like Slack does for the methods Swoop uses. It can be told to answer a method once with HTTP 429
(``Retry-After``) or with an ``ok: false`` error such as ``invalid_blocks``. Tests wait for calls
with :meth:`FakeSlack.wait_for`, which wakes on each new call instead of sleeping.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TEAM_ID = "T_TEST"
BOT_USER_ID = "U_SWOOP"
BOT_ID = "B_SWOOP"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
SIGNING_SECRET = "test-signing-secret"

Answer = dict[str, Any]


@dataclass
class ApiCall:
    method: str  # "chat.postMessage", ..., "upload" (file bytes), "response_url"
    args: dict[str, Any]
    token: str | None = None
    status: int = 200
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass
class _Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None


@dataclass
class FakeSlack:
    """Start with ``await FakeSlack().start()``; ``api_url`` is the ``SLACK_API_URL``."""

    calls: list[ApiCall] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    user_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # group id → members
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
    _failures: dict[str, list[_Failure]] = field(default_factory=lambda: defaultdict(list))
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "command") -> str:
        return f"{self.base_url}/response/{name}"

    # -- scripting failures ----------------------------------------------------------------------

    def rate_limit_once(self, method: str, retry_after: int = 1) -> None:
        """The next call of ``method`` gets HTTP 429 with ``Retry-After``."""
        self._failures[method].append(_Failure(status=429, retry_after=retry_after))

    def error_once(self, method: str, error: str) -> None:
        """The next call of ``method`` gets ``{"ok": false, "error": error}``."""
        self._failures[method].append(_Failure(error=error))

    # -- inspecting ------------------------------------------------------------------------------

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        where: Callable[[ApiCall], bool] | None = None,
        within_s: float = 15.0,
    ) -> list[ApiCall]:
        """Wait until ``count`` successful calls of ``method`` (matching ``where``) arrived."""

        def matching() -> list[ApiCall]:
            return [c for c in self.calls_to(method) if where is None or where(c)]

        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(lambda: len(matching()) >= count)
        return matching()

    async def _record(self, call: ApiCall) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # -- the Web API -----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(await request.post())
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or args.pop("token", None)
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            await self._record(ApiCall(method, args, token, failure.status, failure.error))
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            error = failure.error or "ratelimited"
            return web.json_response(
                {"ok": False, "error": error}, status=failure.status, headers=headers
            )
        answer = self._answers().get(method)
        if answer is None:
            await self._record(ApiCall(method, args, token, error="unknown_method"))
            return web.json_response({"ok": False, "error": "unknown_method"})
        await self._record(ApiCall(method, args, token))
        return web.json_response({"ok": True, **answer(args)})

    def _answers(self) -> dict[str, Callable[[dict[str, Any]], Answer]]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": lambda a: {"channel": a.get("channel"), "ts": a.get("ts")},
            "reactions.add": lambda a: {},
            "reactions.remove": lambda a: {},
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "usergroups.list": lambda a: {
                "usergroups": [
                    {"id": group, "users": list(users)} for group, users in self.user_groups.items()
                ]
            },
            "apps.connections.open": lambda a: {
                "url": self.base_url.replace("http", "ws") + "/socket"
            },
        }

    def _auth_test(self, args: dict[str, Any]) -> Answer:
        return {
            "url": "https://swoop-test.slack.com/",
            "team": "Swoop Test",
            "user": "swoop",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def next_ts(self) -> str:
        return f"1750000000.{next(self._ts):06d}"

    def _post_message(self, args: dict[str, Any]) -> Answer:
        ts = self.next_ts()
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
        message.update({k: args[k] for k in ("text", "blocks", "thread_ts") if k in args})
        return {"channel": args.get("channel"), "ts": ts, "message": message}

    def _upload_url(self, args: dict[str, Any]) -> Answer:
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> Answer:
        files = args.get("files", "[]")
        listed = json.loads(files) if isinstance(files, str) else files
        return {"files": [{"id": f["id"], "title": f.get("title")} for f in listed]}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        self.uploads[file_id] = await request.read()
        await self._record(ApiCall("upload", {"file_id": file_id}))
        return web.Response(text=f"OK - {len(self.uploads[file_id])}")

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._record(ApiCall("response_url", {"name": request.match_info["name"], **body}))
        return web.Response(text="ok")

    # -- Socket Mode -----------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        await self._record(ApiCall("socket.connected", {}))
        try:
            async for frame in socket:
                if frame.type is WSMsgType.TEXT:
                    ack = json.loads(frame.data)
                    self.socket_acks.append(ack)
                    await self._record(ApiCall("socket.ack", ack))
        finally:
            self._sockets.remove(socket)
        return socket

    async def send_envelope(self, payload: dict[str, Any], kind: str = "events_api") -> str:
        """Push one Socket Mode envelope to the connected client; its ``envelope_id``."""
        envelope_id = uuid.uuid4().hex
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": payload,
        }
        await self._sockets[-1].send_json(envelope)
        return envelope_id


# -- what Slack sends to the app ---------------------------------------------------------------


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """``X-Slack-Signature`` v0: HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """An Events API envelope around ``event``."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "A_SWOOP",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "enterprise_id": None}
        ],
    }


def mention(text: str, *, channel: str, ts: str, user: str = "U_ANN", **extra: Any) -> Answer:
    """An ``app_mention`` event: "<@U_SWOOP> text"."""
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": channel,
        "team": TEAM_ID,
        "event_ts": ts,
        **extra,
    }


def channel_message(
    text: str,
    *,
    channel: str,
    ts: str,
    user: str = "U_ANN",
    channel_type: str = "channel",
    **extra: Any,
) -> Answer:
    """A ``message`` event (``message.channels``, ``message.im``, ...)."""
    return {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "team": TEAM_ID,
        "event_ts": ts,
        **extra,
    }

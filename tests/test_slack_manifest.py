"""manifests/slack.yaml asks for exactly what the Slack adapter uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adapters.slack import COMMAND, EVENT_TYPES, EVENTS_PATH

MANIFEST = Path(__file__).resolve().parents[1] / "manifests" / "slack.yaml"
# Which scope each subscribed event or called method needs (https://docs.slack.dev/reference/scopes).
NEEDED_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "reactions.add": "reactions:write",
    "reactions.remove": "reactions:write",
    "files.uploadV2": "files:write",
    "/swoop": "commands",
    "usergroups.list": "usergroups:read",
}


def load() -> dict[str, Any]:
    return dict(yaml.safe_load(MANIFEST.read_text(encoding="utf-8")))


def test_events_match_the_listeners() -> None:
    events = load()["settings"]["event_subscriptions"]["bot_events"]
    assert {e.split(".")[0] for e in events} == set(EVENT_TYPES)


def test_scopes_are_exactly_the_needed_ones() -> None:
    manifest = load()
    used = set(manifest["settings"]["event_subscriptions"]["bot_events"]) | {
        "chat.postMessage",
        "chat.update",
        "reactions.add",
        "reactions.remove",
        "files.uploadV2",
        "usergroups.list",
        COMMAND,
    }
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(
        {NEEDED_SCOPES[u] for u in used}
    )


def test_every_request_url_is_the_events_path() -> None:
    manifest = load()
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    urls = [
        command["url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
    ]
    assert all(url == f"https://YOUR-HOST{EVENTS_PATH}" for url in urls)
    assert manifest["settings"]["interactivity"]["is_enabled"] is True

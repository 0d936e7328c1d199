"""Who may change data: the ``SWOOP_ADMINS`` entries (DESIGN.md, "Configuration").

``slack:U123`` and ``discord:456`` name users, ``slack-group:S1`` and ``discord-role:789`` the
members of a Slack user group or Discord role, ``terminal:NAME`` a terminal user (``--user``),
and ``PLATFORM:*`` everyone on that platform. The default, ``terminal:*``, is the person at the
terminal and nobody on Slack or Discord.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import Message

GROUP_KINDS = {"slack": "slack-group", "discord": "discord-role"}
GROUP_WORDS = {"slack-group": "members of Slack group", "discord-role": "members of Discord role"}


def is_admin(message: Message, admins: Sequence[str]) -> bool:
    """Whether the sender of ``message`` may run actions."""
    allowed = set(admins)
    if f"{message.platform}:*" in allowed or f"{message.platform}:{message.user}" in allowed:
        return True
    group_kind = GROUP_KINDS.get(message.platform)
    return group_kind is not None and any(
        f"{group_kind}:{group}" in allowed for group in message.user_groups
    )


def who_can(admins: Sequence[str]) -> str:
    """The admins in words, for a polite refusal."""
    if not admins:
        return "Nobody is allowed to change data from chat (SWOOP_ADMINS is empty)."
    words = []
    for entry in admins:
        kind, _, ident = entry.partition(":")
        if ident == "*":
            words.append(f"anyone on {kind}")
        elif kind in GROUP_WORDS:
            words.append(f"{GROUP_WORDS[kind]} {ident}")
        else:
            words.append(f"{kind} user {ident}")
    return "Only " + ", ".join(words) + " can change data (SWOOP_ADMINS)."

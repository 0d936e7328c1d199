"""Sending an answer: its messages in order, the first with the buttons, the file and reactions.

A target is a channel or thread (``send``) or an interaction (``followup.send``, which after a
deferral replaces the "thinking…" message). Rendering is ``render.py``'s; buttons ``views.py``'s.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from adapters.discord.render import render
from adapters.discord.views import answer_view
from bot.messages import Response

log = logging.getLogger(__name__)

RATING_EMOJI = ("👍", "👎")

Target = discord.abc.Messageable | discord.Interaction[Any]


async def send_answer_async(
    target: Target,
    response: Response,
    *,
    asker_id: int,
    ephemeral: bool = False,
    reference: discord.Message | None = None,
    mention: bool = False,
) -> discord.Message | None:
    """Send every message of ``response``; returns the first (the one people react to).

    ``mention`` pings the asker in the first message, which also adds them to a new thread.
    """
    rendered = render(response)
    view = answer_view(response, asker_id)
    first: discord.Message | None = None
    for embed in rendered.embeds:
        extra: dict[str, Any] = {}
        if first is None:
            if view is not None:
                extra["view"] = view
            if rendered.attachment is not None:
                extra["file"] = rendered.attachment.to_file()
            if reference is not None and not isinstance(target, discord.Interaction):
                extra["reference"] = reference
            if mention:
                extra["content"] = f"<@{asker_id}>"
                extra["allowed_mentions"] = discord.AllowedMentions(users=True)
        sent = await _send(target, embed, ephemeral=ephemeral, **extra)
        first = first or sent
    return first


async def add_rating_reactions_async(message: discord.Message) -> None:
    """👍 and 👎 under an answer, so rating it is one click (Swoop's own never count)."""
    for emoji in RATING_EMOJI:
        try:
            await message.add_reaction(emoji)
        except discord.HTTPException as exc:  # e.g. no Add Reactions permission here
            log.warning("could not add %s to the answer: %s", emoji, exc)
            return


async def _send(
    target: Target, embed: discord.Embed, *, ephemeral: bool, **extra: Any
) -> discord.Message:
    if isinstance(target, discord.Interaction):
        return await target.followup.send(embed=embed, ephemeral=ephemeral, wait=True, **extra)
    return await target.send(embed=embed, **extra)

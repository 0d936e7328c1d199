"""The words of a change request: which verb means which operation, and how amounts are written.

:func:`read_command` splits "raise burger prices by 10%" into an operation (adjust, up), the
words that name what changes ("burger prices") and the amount (10, a percentage). It knows
nothing of any table: naming rows is the resolver's job. The phrasings are a table of sentence
templates, tried in order, so a new phrasing is a new line rather than a new branch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.actions.request import Operation
from bot.errors import ValidationError

MAX_TEXT = 300  # no change request needs more; longer text is not one

# -- verbs -----------------------------------------------------------------------------------------

UP = r"(?:raise|increase|bump(?: up)?|hike|up|mark up|markup|lift|boost|push up|put up)"
DOWN = (
    r"(?:lower|decrease|reduce|cut|drop|discount|mark down|markdown|slash|bring down"
    r"|knock down|trim)"
)
SET = r"(?:set|change|update|make|put|adjust|modify|fix|move|reprice|price)"
SET_BARE = r"(?:set|change|update|make|reprice)"
CHANGE = r"(?:change|adjust|update|modify)"
OFF = (
    r"(?:disable|deactivate|hide|86|eighty[- ]?six|pause|suspend|unpublish|turn off|switch off"
    r"|shut off|stop selling|stop serving)"
)
ON = (
    r"(?:enable|re-?enable|activate|reactivate|unhide|restore|un-?86|unpause|resume|publish"
    r"|turn on|switch on|start selling|start serving|bring back)"
)
MENU = r"(?: (?:of|from|on|onto|to))?(?: the)? menu"
UNAVAILABLE = r"(?:unavailable|sold out|out of stock|inactive|disabled|off|86'?e?d)"
AVAILABLE = r"(?:available|in stock|active|enabled|on|back on|back)"
COSTS = r"(?:should be|should cost|is now|now costs?|costs?|sells? for|goes for)"
LINK = r"(?:to|at|=|as|for)"

AMOUNT = (
    r"(?:minus |negative )?[-+−]? ?\$? ?[-+−]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)"
    r"(?: ?(?:%|percent|per ?cent|pct|dollars?|bucks|usd|cents?))?"
)


@dataclass(frozen=True)
class Phrasing:
    """A sentence template: ``{x}`` names what changes, ``{n}`` is the amount (if any).

    ``sign`` is +1 / -1 for raise / lower, 0 when the amount carries its own sign; ``needs_column``
    marks verbless templates that count only when a column word ("price") is there too.
    """

    template: str
    operation: Operation
    sign: int = 0
    needs_column: bool = False

    def pattern(self) -> re.Pattern[str]:
        text = self.template.replace("{x}", r"(?P<x>.+?)").replace("{n}", f"(?P<n>{AMOUNT})")
        return re.compile(text)


# Tried in order, the first full match wins: switches first ("make it unavailable" is not a
# price), then relative changes, then new values. Templates without {n} for a number operation
# catch a missing amount.
PHRASINGS: tuple[Phrasing, ...] = (
    Phrasing(f"{OFF} {{x}}", Operation.DISABLE),
    Phrasing(r"(?:turn|switch|shut|take) {x} off(?: of)?(?: the)?(?: menu)?", Operation.DISABLE),
    Phrasing(f"(?:remove|pull|drop|take) {{x}} (?:from|off){MENU}", Operation.DISABLE),
    Phrasing(f"(?:mark|set|make) {{x}} (?:as )?{UNAVAILABLE}", Operation.DISABLE),
    Phrasing(f"{{x}} (?:is|are)(?: now)? {UNAVAILABLE}", Operation.DISABLE),
    Phrasing(f"{ON} {{x}}", Operation.ENABLE),
    Phrasing(r"(?:turn|switch) {x} (?:back )?on", Operation.ENABLE),
    Phrasing(f"(?:put|bring|add) {{x}} back(?:{MENU})?", Operation.ENABLE),
    Phrasing("(?:put|add) {x} (?:on|onto|to)(?: the)? menu", Operation.ENABLE),
    Phrasing(f"(?:mark|set|make) {{x}} (?:as )?{AVAILABLE}", Operation.ENABLE),
    Phrasing(f"{{x}} (?:is|are)(?: now)? {AVAILABLE}(?:{MENU})?", Operation.ENABLE),
    Phrasing(f"{UP} {{x}} by {{n}}", Operation.ADJUST, +1),
    Phrasing(f"{DOWN} {{x}} by {{n}}", Operation.ADJUST, -1),
    Phrasing(f"{UP} {{x}} {{n}}", Operation.ADJUST, +1),
    Phrasing(f"{DOWN} {{x}} {{n}}", Operation.ADJUST, -1),
    Phrasing(r"add {n} to {x}", Operation.ADJUST, +1),
    Phrasing(r"(?:take|knock) {n} off(?: of)? {x}", Operation.ADJUST, -1),
    Phrasing(f"{CHANGE} {{x}} by {{n}}", Operation.ADJUST),
    Phrasing(f"{SET} {{x}} {LINK} {{n}}", Operation.SET),
    Phrasing(f"{SET_BARE} {{x}} {{n}}", Operation.SET),
    Phrasing(f"{{x}} {COSTS} {{n}}", Operation.SET),
    Phrasing(r"{x} (?:to|=|at|is) {n}", Operation.SET, needs_column=True),
    Phrasing(r"{x} {n}", Operation.SET, needs_column=True),
    Phrasing(f"{UP} {{x}}", Operation.ADJUST, +1),
    Phrasing(f"{DOWN} {{x}}", Operation.ADJUST, -1),
    Phrasing(f"{SET_BARE} {{x}}", Operation.SET),
)
PATTERNS = tuple((p, p.pattern()) for p in PHRASINGS)

# Politeness and addressing around a request: "swoop, please ...", "... for today, thanks".
LEADING = re.compile(
    r"^(?:(?:hey |hi |ok |okay )?swoop[,:]? )?(?:(?:please|pls|kindly|can you|could you|would you"
    r"|will you|can we|could we|let'?s|i want to|i'd like to|i would like to|we need to|need to"
    r"|go ahead and|just|now) )*"
)
TRAILING = re.compile(
    r"(?:,? (?:please|pls|thanks|thank you|now|right now|asap|today|tonight|for now|for today"
    r"|for the day|for the night|immediately|effective immediately))*$"
)
QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "−": "-", "–": "-", "—": "-"})


@dataclass(frozen=True)
class Amount:
    """A number as written: ``$14.50`` → 14.50; ``10%`` → 10, percent; ``50 cents`` → 0.50."""

    value: Decimal
    percent: bool
    text: str


@dataclass(frozen=True)
class Command:
    """A request split into its operation, the words naming the target, and the amount."""

    operation: Operation
    sign: int
    target: str
    amount: Amount | None
    needs_column: bool
    amount_text: str = ""  # what stood where an amount should be, when it could not be read


def clean(text: str) -> str:
    """Lower case, plain quotes and dashes, no politeness or final punctuation."""
    text = " ".join(text.translate(QUOTES).lower().split())
    text = text.strip().rstrip(".!?;, ").strip("\"'").strip()
    text = LEADING.sub("", text)
    return TRAILING.sub("", text).strip().rstrip(",")


def read_amount(text: str) -> Amount:
    """Read ``text`` (an ``AMOUNT`` match) into an :class:`Amount`."""
    negative = text.startswith(("minus", "negative")) or "-" in text
    digits = re.search(r"\d[\d,]*(?:\.\d*)?|\.\d+", text)
    if digits is None:
        raise ValidationError(f"I couldn't read “{text}” as an amount.")
    try:
        value = Decimal(digits.group().replace(",", ""))
    except InvalidOperation:
        raise ValidationError(f"I couldn't read “{text}” as an amount.") from None
    percent = bool(re.search(r"%|percent|per ?cent|pct", text))
    if not percent and re.search(r"cents?$", text):
        value /= 100
    return Amount(-value if negative else value, percent, text)


UNREADABLE_AMOUNT = re.compile(r"\b(?:to|by|at)\s+(?P<n>\S.*)$")


def read_command(text: str) -> Command | None:
    """The command in ``text``, or ``None`` when no phrasing of a change fits it."""
    cleaned = clean(text[:MAX_TEXT])
    for phrasing, pattern in PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match is None:
            continue
        target = match.group("x").strip(" ,")
        written = match.groupdict().get("n")
        amount = read_amount(written) if written else None
        leftover = ""
        if amount is None and phrasing.operation in {Operation.SET, Operation.ADJUST}:
            unreadable = UNREADABLE_AMOUNT.search(target)
            if unreadable:
                leftover = unreadable.group("n")
                target = target[: unreadable.start()].strip()
        return Command(
            phrasing.operation, phrasing.sign, target, amount, phrasing.needs_column, leftover
        )
    return None

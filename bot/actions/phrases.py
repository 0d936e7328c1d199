"""The words of a change request: which verb means which operation, and how amounts are written.

:func:`read_command` splits "raise burger prices by 10%" into an operation (adjust, up), the
words that name what changes ("burger prices") and the amount (10, a percentage). It knows
nothing of any table: naming rows is the resolver's job. The phrasings are a table of sentence
templates, tried in order, so a new phrasing is a new line rather than a new branch.

Only general English lives here (disable, turn off, unavailable, ...). The data's own words
("86 the salmon", "off the menu") come from the semantic model's ``state_words:`` section, as a
:class:`StateVocabulary`; without one, none of them is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.actions.request import Operation
from bot.errors import ValidationError

if TYPE_CHECKING:
    from bot.understanding.model import SemanticModel

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
    r"disable|deactivate|hide|pause|suspend|unpublish|turn off|switch off|shut off|stop selling"
    r"|stop serving"
)
ON = (
    r"enable|re-?enable|activate|reactivate|unhide|restore|unpause|resume|publish|turn on"
    r"|switch on|start selling|start serving|bring back"
)
UNAVAILABLE = r"unavailable|sold out|out of stock|inactive|disabled|off"
AVAILABLE = r"available|in stock|active|enabled|on|back on|back"
COSTS = r"(?:should be|should cost|is now|now costs?|costs?|sells? for|goes for)"
LINK = r"(?:to|at|=|as|for)"

AMOUNT = (
    r"(?:minus |negative )?[-+−]? ?\$? ?[-+−]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)"
    r"(?: ?(?:%|percent|per ?cent|pct|dollars?|bucks|usd|cents?))?"
)


# -- the data's own words --------------------------------------------------------------------------

PLACE_PREPOSITIONS = ("on", "off")  # "on the menu" / "off the menu": rows are on a place


@dataclass(frozen=True)
class StateVocabulary:
    """The data's own words for rows being on or off, from the model's ``state_words:``.

    ``turn_off`` / ``turn_on`` are verbs ("86", "un-86"), ``inactive`` / ``active`` are states
    ("86'd", "on the menu"). A state "on <place>" / "off <place>" also names the place, so "take
    the salmon off the menu" and "put it back on the menu" read as switches.
    """

    active: tuple[str, ...] = ()
    inactive: tuple[str, ...] = ()
    turn_off: tuple[str, ...] = ()
    turn_on: tuple[str, ...] = ()

    @classmethod
    def of(cls, model: SemanticModel | None) -> StateVocabulary:
        """The words of ``model`` (none without a model or a ``state_words:`` section)."""
        words = model.state_words if model is not None else {}
        return cls(
            active=_phrases(words.get("active", ())),
            inactive=_phrases(words.get("inactive", ())),
            turn_off=_phrases(words.get("turn_off", ())),
            turn_on=_phrases(words.get("turn_on", ())),
        )

    @property
    def places(self) -> tuple[str, ...]:
        """Where active rows are: "menu" of "on the menu" and "off the menu"."""
        found = []
        for phrase in (*self.active, *self.inactive):
            first, _, rest = phrase.partition(" ")
            if first in PLACE_PREPOSITIONS and rest:
                found.append(re.sub(r"^(?:the|our) ", "", rest))
        return tuple(dict.fromkeys(found))

    @property
    def place_words(self) -> frozenset[str]:
        """The words of :attr:`places`, which name no row ("menu")."""
        return frozenset(word for place in self.places for word in place.split())


def _phrases(words: Iterable[str]) -> tuple[str, ...]:
    """Each phrase as :func:`clean` leaves text: lower case, plain quotes, single spaces."""
    cleaned = (" ".join(str(w).translate(QUOTES).lower().split()) for w in words)
    return tuple(dict.fromkeys(w for w in cleaned if w))


def own_pattern(phrase: str) -> str:
    """A model's phrase as a pattern: a hyphen may also be a space or nothing ("un 86"), and
    an apostrophe a typographic one ("86’d", as phones type it)."""
    parts = (re.escape(part).replace("'", "['’]") for part in phrase.split("-"))
    return r"[- ]?".join(parts)


def alternatives(general: str, own: tuple[str, ...]) -> str:
    """One group of the model's own phrases (longest first) and a pattern of general English."""
    phrases = [own_pattern(p) for p in sorted(own, key=len, reverse=True)]
    return "(?:" + "|".join(filter(None, [*phrases, general])) + ")"


NO_WORDS = StateVocabulary()


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
# catch a missing amount. {OFF}, {ON}, {UNAVAILABLE}, {AVAILABLE} and {AT} (the place a state
# word names, "the menu") take the model's own words; a template naming a place is left out
# when the model names none.
TEMPLATES: tuple[Phrasing, ...] = (
    Phrasing("{OFF} {x}", Operation.DISABLE),
    Phrasing(r"(?:turn|switch|shut|take) {x} off", Operation.DISABLE),
    Phrasing(r"(?:turn|switch|shut|take) {x} off{AT}", Operation.DISABLE),
    Phrasing(r"(?:remove|pull|drop|take) {x} (?:from|off){AT}", Operation.DISABLE),
    Phrasing(r"(?:mark|set|make) {x} (?:as )?{UNAVAILABLE}", Operation.DISABLE),
    Phrasing(r"{x} (?:is|are)(?: now)? {UNAVAILABLE}", Operation.DISABLE),
    Phrasing("{ON} {x}", Operation.ENABLE),
    Phrasing(r"(?:turn|switch) {x} (?:back )?on", Operation.ENABLE),
    Phrasing(r"(?:put|bring|add) {x} back", Operation.ENABLE),
    Phrasing(r"(?:put|bring|add) {x} back{AT}", Operation.ENABLE),
    Phrasing(r"(?:put|add) {x} (?:on|onto|to){AT}", Operation.ENABLE),
    Phrasing(r"(?:mark|set|make) {x} (?:as )?{AVAILABLE}", Operation.ENABLE),
    Phrasing(r"{x} (?:is|are)(?: now)? {AVAILABLE}", Operation.ENABLE),
    Phrasing(r"{x} (?:is|are)(?: now)? {AVAILABLE}{AT}", Operation.ENABLE),
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


@lru_cache(maxsize=32)
def patterns(words: StateVocabulary = NO_WORDS) -> tuple[tuple[Phrasing, re.Pattern[str]], ...]:
    """The templates with ``words`` filled in, compiled (once per vocabulary)."""
    places = words.places
    fill = {
        "{OFF}": alternatives(OFF, words.turn_off),
        "{ON}": alternatives(ON, words.turn_on),
        "{UNAVAILABLE}": alternatives(UNAVAILABLE, words.inactive),
        "{AVAILABLE}": alternatives(AVAILABLE, words.active),
        "{AT}": rf"(?: (?:of|from|on|onto|to|in))?(?: the| our)? {alternatives('', places)}",
    }
    compiled = []
    for phrasing in TEMPLATES:
        if "{AT}" in phrasing.template and not places:
            continue
        template = phrasing.template
        for slot, pattern in fill.items():
            template = template.replace(slot, pattern)
        filled = Phrasing(template, phrasing.operation, phrasing.sign, phrasing.needs_column)
        compiled.append((filled, filled.pattern()))
    return tuple(compiled)


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


def read_command(text: str, words: StateVocabulary = NO_WORDS) -> Command | None:
    """The command in ``text``, or ``None`` when no phrasing of a change fits it.

    ``words`` are the data's own words besides general English ("86 the salmon").
    """
    cleaned = clean(text[:MAX_TEXT])
    for phrasing, pattern in patterns(words):
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

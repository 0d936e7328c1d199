"""A question as the parser read it: typed parts, each with the words it came from.

The parser fills a :class:`Reading` pass by pass; the planner builds a plan from its parts only
(it never looks at the question's text). ``text`` is the cleaned question with every consumed
span blanked out, so what is left in it at the end is what nothing understood.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.understanding.entities import EntityMatch
from bot.understanding.interpretation import Span, SpanKind
from bot.understanding.plan import Direction
from bot.understanding.time_words import TimeRange
from bot.understanding.vocabulary import DimensionTarget


@dataclass
class TimeAsk:
    """When: the ranges named, and whether two periods are compared."""

    ranges: list[TimeRange] = field(default_factory=list)
    comparison: bool = False  # "vs", "compared with"
    shift: bool = False  # "the week before": the previous period of the one in context


@dataclass
class Ranking:
    """Order and cut: "top 5", "the cheapest", "busiest day", "rank by sales"."""

    direction: Direction | None = None
    limit: int | None = None
    word: str | None = None  # the superlative as said ("most", "top 5")
    busy: bool = False  # "busiest day": rank by the model's volume metric
    explicit: bool = False  # "rank our locations by ...", "sort by ..."
    by_amount: bool = False  # "cheapest", "most expensive": rank rows by their amount
    best_selling: bool = False  # "best sellers", "most popular"
    span: tuple[int, int] | None = None  # where "top 5" was said
    column: str | None = None  # "the state with the largest area": rank rows by this column


@dataclass(frozen=True)
class NumericCondition:
    """ "over $50": ``op value`` on ``column`` (None: the subject's amount column)."""

    op: str
    value: float
    column: str | None
    words: str


@dataclass(frozen=True)
class Breakdown:
    """ "by location", "per day", "weekly": what to group by, as said."""

    target: DimensionTarget
    words: str


@dataclass
class Conditions:
    """Which rows: named values (maybe negated), numeric conditions, active or not."""

    entities: list[tuple[EntityMatch, bool]] = field(default_factory=list)  # (match, negated)
    numeric: list[NumericCondition] = field(default_factory=list)
    active: bool | None = None


@dataclass
class Asked:
    """What is asked for: a number (metric or aggregate), rows of a table, breakdowns."""

    metric: str | None = None
    aggregate: tuple[str, str] | None = None  # (agg, qualified column)
    table: str | None = None
    which_table: str | None = None  # "which items ...": the rows the answer names
    counted_table: str | None = None  # "how many ratings": the table whose rows are counted
    order_metric: str | None = None  # "by sales" after a breakdown: the ranking number
    time_column: str | None = None  # "joined", "signed up": the time column named
    order_words: str = ""  # the words it was said with ("by sales", "per order")
    rows_of: str | None = None  # the metric was said as a table's word: "our best member"
    columns: list[tuple[str, str]] = field(default_factory=list)  # "phone number": (column, words)
    breakdowns: list[Breakdown] = field(default_factory=list)


@dataclass
class Intent:
    """How the question is put: counting, listing, selling, a follow-up, small talk..."""

    listing_cue: bool = False  # "show", "list", "which", "what's on"
    counting: bool = False  # "how many", "number of"
    how_much: bool = False  # "how much": money rather than units
    price_ask: bool = False  # "what does it cost": the amount of the rows named
    selling: bool = False  # "sold", "sell"
    selling_money: bool = False  # "what did we bring in": money, not units
    hours: bool = False  # "when do we open"
    small_talk: bool = False
    out_of_scope: bool = False  # "tell me a joke"
    vague: bool = False  # "how are we doing"
    follow_up: bool = False  # starts like a follow-up: "and", "what about", "only"
    referring: bool = False  # refers to the previous answer: "it", "those", "same"
    elliptical: bool = False  # leaves out what it counts: "how many are still open"
    adding: bool = False  # "only", "just", "also": adds a filter rather than replacing one
    singular: bool = False  # asks for one thing: "which item sold the most"
    unknown: str | None = None  # words naming something the data does not have


@dataclass
class Reading:
    """What one question says, in typed parts; ``text`` loses each part it has consumed."""

    original: str
    text: str
    time: TimeAsk = field(default_factory=TimeAsk)
    ranking: Ranking = field(default_factory=Ranking)
    conditions: Conditions = field(default_factory=Conditions)
    asked: Asked = field(default_factory=Asked)
    intent: Intent = field(default_factory=Intent)
    spans: list[Span] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (words, why) the plan lacks
    cleaned: str = ""  # the question cleaned, before spelling correction and consuming
    corrected: str = ""  # cleaned and spelling-corrected, before consuming (``text``'s positions)

    def consume(self, span: tuple[int, int], kind: SpanKind) -> None:
        """Mark ``span`` of ``text`` as understood (as ``kind``) and blank it out."""
        start, end = span
        words = " ".join(self.text[start:end].split())
        if words:
            self.spans.append(Span(kind, start, end, words))
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def drop(self, words: str, why: str) -> None:
        """A part that was read but that the plan could not use (the answer must say so)."""
        if words:
            self.dropped.append((words, why))

    @property
    def listing(self) -> bool:
        return self.intent.listing_cue or self.conditions.active is not None

    @property
    def understood_anything(self) -> bool:
        a, c = self.asked, self.conditions
        return bool(
            self.time.ranges or a.breakdowns or c.entities or a.metric or a.aggregate or a.table
            or a.counted_table or a.order_metric
            or c.numeric or self.intent.hours or self.ranking.limit or c.active is not None
            or self.time.shift
        )  # fmt: skip

    @property
    def names_subject(self) -> bool:
        """Whether it says what it is about: a number, a table or a named value."""
        a = self.asked
        return bool(
            a.metric or a.aggregate or a.table or a.counted_table or a.which_table
            or self.conditions.entities or self.intent.hours
        )  # fmt: skip

    @property
    def asks_anew(self) -> bool:
        """Whether it names what it asks for (a number or rows), as a new question does."""
        a, i = self.asked, self.intent
        return bool(
            a.metric or a.aggregate or i.listing_cue or i.hours or i.counting or i.selling
            or self.ranking.best_selling or i.vague
        )  # fmt: skip

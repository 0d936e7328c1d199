"""Question → QueryPlan (or a clarification): the deterministic, offline parser.

The question is read in passes, each consuming the words it understands: time words, comparisons,
top/bottom N, numeric conditions, breakdowns, named values (entities), then the metric or the
listing asked for. What remains decides between an answer, a follow-up edit of the previous plan
(``followups.py``) and a clarification with concrete options.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.understanding.entities import STOPWORDS, EntityIndex, EntityMatch, fold
from bot.understanding.model import SemanticModel
from bot.understanding.plan import Direction
from bot.understanding.spelling import Speller
from bot.understanding.time_words import TIME_VOCABULARY, TimeRange, find_time_ranges
from bot.understanding.vocabulary import AGGREGATE_WORDS, DimensionTarget, Vocabulary

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "a dozen": 12, "dozen": 12,
}  # fmt: skip
NUM = r"(\d+|" + "|".join(NUMBER_WORDS) + ")"

COMPARISON_CUE = re.compile(
    r"\b(vs\.?|versus|compared? (?:to|with)|against|relative to)\b|^(compare|comparing)\b"
)
SHIFT_CUE = re.compile(
    r"\b(?:the )?(day|week|month|quarter|year|period|one) (?:before|prior)\b"
    r"|\bbefore that\b|\bthe prior (day|week|month|quarter|year)\b"
)
TOP_N: tuple[tuple[re.Pattern[str], Direction], ...] = (
    (re.compile(rf"\b(?:top|best|highest|biggest|largest|most|first)\s+{NUM}\b"), "desc"),
    (re.compile(rf"\b(?:bottom|worst|lowest|least|fewest|smallest|last)\s+{NUM}\b"), "asc"),
    (re.compile(rf"\b{NUM}\s+(?:best|top|most|highest|biggest|busiest)\b"), "desc"),
    (re.compile(rf"\b{NUM}\s+(?:worst|least|lowest|fewest|slowest|quietest)\b"), "asc"),
)
SUPERLATIVE: tuple[tuple[re.Pattern[str], Direction], ...] = (
    (re.compile(r"\b(most|best|highest|biggest|largest|busiest|top|popular|greatest)\b"), "desc"),
    (re.compile(r"\b(least|worst|lowest|fewest|smallest|slowest|quietest|bottom)\b"), "asc"),
)
NUMERIC = re.compile(
    r"\b(over|above|more than|greater than|bigger than|larger than|at least|no less than|"
    r"under|below|less than|cheaper than|smaller than|at most|no more than|exactly|equal to)"
    r"\s+\$?(\d+(?:\.\d+)?)\b"
)
NUMERIC_OPS = {
    "over": ">", "above": ">", "more than": ">", "greater than": ">", "bigger than": ">",
    "larger than": ">", "at least": ">=", "no less than": ">=", "under": "<", "below": "<",
    "less than": "<", "cheaper than": "<", "smaller than": "<", "at most": "<=",
    "no more than": "<=", "exactly": "=", "equal to": "=",
}  # fmt: skip
BREAKDOWN = re.compile(
    r"\b(?:broken down by|break(?:ing)? (?:it |that |this )?down by|split(?: it| that)? by|"
    r"grouped by|group(?:ed)? by|for each|for every|by|per|each|across)\s+(?:the\s+|each\s+)?"
)
AGGREGATES_LONGEST_FIRST = sorted(AGGREGATE_WORDS.items(), key=lambda kv: -len(kv[0]))
ADJECTIVE_GRAINS = {
    "daily": "day", "weekly": "week", "monthly": "month", "hourly": "hour", "yearly": "year",
    "quarterly": "quarter",
}  # fmt: skip
NEGATION = re.compile(
    r"(\b(not|excluding|exclude|except|other than|without|besides|apart from|non|but not|"
    r"not counting|not including|leaving out|minus|outside(?: of)?|"
    r"werent|wasnt|isnt|arent|dont|didnt|doesnt)|n't)(\s+(at|from|in|for|the|a|an|to|by|of))*\s*$"
)
LISTING_CUE = re.compile(
    r"^(show|list|which|what are|what's on|whats on|what is on|what do we have|give me|gimme|"
    r"pull up|display|"
    r"see|find|get|tell me)\b|\bon the menu\b|\bwhat(?:'s| is| are)? (?:on|in) the\b"
    r"|\bdo we (?:have|offer|sell|serve|carry)\s*$"
    r"|^how much (?:is|are|does|do)\b(?!.*\b(?:sell|sold|make|made))"
    r"|\bwhat does .* cost\b|\bprice of\b|\b(their|the) prices\b"
)
BUSY = re.compile(r"\b(busiest|quietest|slowest|busy|quiet)\s+")
RANK = re.compile(r"\b(rank|ranked|ranking|sort|sorted|order(?:ed)? by)\b")
PRICE_SUPERLATIVE = re.compile(
    r"\b(cheapest|least expensive|most expensive|priciest|dearest)\s*$|"
    r"\bthe (cheapest|least expensive|most expensive|priciest)\b"
)
WHICH_TABLE = re.compile(r"\b(which|what)\s+(?P<rest>.*)")
COUNT_CUE = re.compile(r"\b(how many|number of|count of|count)\b|(?:^|\s)(# of)\s")
SELL_CUE = re.compile(r"\b(sold|sell|sells|selling|sale of|ordered|moved)\b")
HOW_MUCH_SELL = re.compile(
    r"\bhow much\b.*\b(sell|sold|make|made|earn|bring in)\b"
    r"|\bwhat did .*\b(bring in|make|take in|earn|gross|ring up)\b|\b(brought|bring) in\b"
)
BEST_SELLING = re.compile(
    r"\b(best|top|worst|least|most|slowest)[ -]?(selling|sellers?|sold|popular|ordered)\b"
    r"|\bsold the (most|least)\b|\bsell the (most|least)\b|\bmost popular\b|\bleast popular\b"
    r"|\bsellers\b"
)
ACTIVE = re.compile(r"\b(active|enabled|available|live|currently offered|on the menu)\b")
INACTIVE = re.compile(
    r"\b(disabled|inactive|unavailable|off the menu|turned off|not available|86'?d|hidden)\b"
)
HOURS = re.compile(
    r"\b(hours|open|opens|opening|close|closes|closing|what time)\b(?!.*\b(orders?|sales)\b)"
)
DATA_WORDS = re.compile(r"\b(orders?|sales|revenue|sold|sell|tips?|customers?|ratings?)\b")
UNKNOWN_NAME = re.compile(
    r"\b(?:of|for|at|from|about)\s+(?:the\s+|our\s+)?(?P<name>[a-z][a-z'&-]{2,}(?:\s+[a-z][a-z'&-]{2,}){0,2})\s*$"
)
SMALL_TALK = re.compile(
    r"^(hi|hello|hey|yo|thanks|thank you|cheers|good (morning|afternoon|evening)|"
    r"how are you|who are you|what can you do|help)\b"
)
OUT_OF_SCOPE = re.compile(
    r"\b(joke|weather|poem|song|recipe|news|stock price|bitcoin|meaning of life|your name)\b"
)
VAGUE = re.compile(
    r"\bhow (are|is|were|was) (we|things|it|business)\b|\bhow('s| is) (it going|business)\b|"
    r"\b(any|what) (news|updates?)\b|\bhow did we do\b|\bstatus report\b"
)


@dataclass
class Reading:
    """What one question says, pass by pass; ``text`` loses each part it has consumed."""

    original: str
    text: str
    times: list[TimeRange] = field(default_factory=list)
    comparison: bool = False
    shift: bool = False
    limit: int | None = None
    direction: Direction | None = None
    superlative_word: str | None = None
    numeric: list[tuple[str, float, str | None]] = field(default_factory=list)  # op, value, column
    dimensions: list[DimensionTarget] = field(default_factory=list)
    order_metric: str | None = None
    entities: list[tuple[EntityMatch, bool]] = field(default_factory=list)  # (match, negated)
    metric: str | None = None
    aggregate: tuple[str, str] | None = None  # (agg, qualified column)
    table: str | None = None
    which_table: str | None = None
    listing: bool = False
    listing_cue: bool = False
    hours: bool = False
    active: bool | None = None
    counting: bool = False
    counted_table: str | None = None  # "how many ratings": the table whose rows are counted
    selling: bool = False
    selling_money: bool = False  # "what did we bring in": money, not units
    best_selling: bool = False
    small_talk: bool = False
    out_of_scope: bool = False
    vague: bool = False
    unknown: str | None = None  # words naming something the data does not have
    busy: bool = False  # "busiest day": rank by the model's volume metric
    ranking: bool = False  # "rank our locations by ..."
    price_rank: bool = False  # "cheapest", "most expensive": rank rows by their amount

    def consume(self, span: tuple[int, int]) -> None:
        start, end = span
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    @property
    def understood_anything(self) -> bool:
        return bool(
            self.times or self.dimensions or self.entities or self.metric or self.aggregate
            or self.table or self.numeric or self.hours or self.limit or self.active is not None
            or self.shift
        )  # fmt: skip


def _singular_mention(text: str, start: int, end: int, nouns: frozenset[str]) -> bool:
    """ "the burger", "a pizza": one thing named by a group's word (not "the burger menu")."""
    before, after = text[:start].split(), text[end:].split()
    if text[start:end].endswith("s") or not before or (after and after[0] in nouns):
        return False
    return before[-1] in {"the", "a", "an", "one", "that", "this", "our"}


ABBREVIATIONS = {
    "yr": "year", "yrs": "years", "wk": "week", "wks": "weeks", "mo": "month", "mos": "months",
    "avg": "average", "tmrw": "tomorrow", "yday": "yesterday", "rev": "revenue", "qty": "quantity",
    "hrs": "hours", "hr": "hour", "thru": "through", "w/o": "without",
}  # fmt: skip
ABBREVIATION = re.compile(r"(?<![\w/])(" + "|".join(map(re.escape, ABBREVIATIONS)) + r")(?![\w/])")


def clean(question: str) -> str:
    text = ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(1)], fold(question))
    text = text.replace("’", "'").replace("‘", "'").replace("“", "").replace("”", "")
    text = re.sub(r"[?!;,\"]+", " ", text)
    text = re.sub(r"(?<=\w)'s\b", "", text)  # "today's sales" → "today sales"
    text = re.sub(r"(?<![\d])\.(?!\d)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


class QuestionReader:
    """Reads questions against one model's vocabulary and value index."""

    def __init__(self, model: SemanticModel, vocabulary: Vocabulary, index: EntityIndex) -> None:
        self.model = model
        self.vocabulary = vocabulary
        self.index = index
        self.speller = Speller(vocabulary.words | index.words | TIME_VOCABULARY)

    def read(self, question: str, now: datetime) -> Reading:
        r = Reading(original=question, text=self.speller.correct(clean(question)))
        r.small_talk = bool(SMALL_TALK.search(r.text))
        r.out_of_scope = bool(OUT_OF_SCOPE.search(r.text))
        r.vague = bool(VAGUE.search(r.text))
        r.hours = bool(HOURS.search(r.text)) and not DATA_WORDS.search(r.text)
        r.hours = r.hours and self.model.roles.get("hours") in self.model.tables
        if r.hours:
            for word in list(HOURS.finditer(r.text)):
                r.consume(word.span(1))
        else:
            self._times(r, now)
        self._comparison(r)
        self._top_n(r)
        self._numeric(r)
        r.best_selling = bool(BEST_SELLING.search(r.text))
        money = HOW_MUCH_SELL.search(r.text)
        r.selling = bool(SELL_CUE.search(r.text)) or money is not None
        r.selling_money = money is not None and "how much" not in money.group(0)
        count = COUNT_CUE.search(r.text)
        r.counting = count is not None
        if count is not None:
            counted = self.vocabulary.find_table(r.text[count.end() : count.end() + 30])
            if counted and counted[1][0] <= 2:
                r.counted_table = counted[0]
        self._breakdowns(r)
        self._active(r)
        self._metric(r)
        self._entities(r)
        if r.metric is None and r.aggregate is None:
            self._metric(r)
        self._table(r)
        self._unknown(r)
        r.listing_cue = bool(LISTING_CUE.search(r.text.strip()))
        r.listing = r.listing_cue or r.active is not None
        return r

    def _times(self, r: Reading, now: datetime) -> None:
        shift = SHIFT_CUE.search(r.text)
        if shift:
            r.shift = True
            r.consume(shift.span())
        for match in find_time_ranges(r.text, now):
            r.times.append(match.range)
            r.consume(match.span)

    def _comparison(self, r: Reading) -> None:
        cue = COMPARISON_CUE.search(r.text)
        if cue:
            r.comparison = True
            r.consume(cue.span())

    def _top_n(self, r: Reading) -> None:
        for pattern, direction in TOP_N:
            match = pattern.search(r.text)
            if match:
                r.limit, r.direction = _number(match.group(1)), direction
                r.superlative_word = match.group(0)
                return
        found = [(m, d) for p, d in SUPERLATIVE if (m := p.search(r.text))]
        if found:
            match, direction = min(found, key=lambda item: item[0].start())
            r.direction, r.superlative_word = direction, match.group(1)
        price = PRICE_SUPERLATIVE.search(r.text)
        if price:
            word = price.group(1) or price.group(2)
            r.direction = "asc" if word in {"cheapest", "least expensive"} else "desc"
            r.superlative_word, r.price_rank = word, True
            r.consume(price.span())
        if RANK.search(r.text):
            r.ranking = True
            r.direction = r.direction or "desc"

    def _numeric(self, r: Reading) -> None:
        for match in NUMERIC.finditer(r.text):
            column = self.vocabulary.column_ending_at(
                r.text[max(0, match.start() - 30) : match.start()]
            )
            r.numeric.append((NUMERIC_OPS[match.group(1)], float(match.group(2)), column))
            r.consume(match.span())

    def _breakdowns(self, r: Reading) -> None:
        """ "by location and order type", "per day", "for each category", "by sales" (an order)."""
        for cue in list(BREAKDOWN.finditer(r.text)):
            position = cue.end()
            while True:
                rest = r.text[position:]
                metric = self.vocabulary.metric_at_start(rest)
                target = self.vocabulary.dimension_at_start(rest)
                if metric and (target is None or metric[1][1] > target[1][1]):
                    r.order_metric = metric[0]
                    r.consume((cue.start(), position + metric[1][1]))
                    break
                if target is None:
                    break
                r.dimensions.append(target[0])
                r.consume((cue.start(), position + target[1][1]))
                more = re.match(
                    r"\s*(?:and|&|,|then by|by)\s+(?:the\s+|each\s+)?",
                    r.text[position + target[1][1] :],
                )
                if more is None:
                    break
                position += target[1][1] + more.end()
        busy = BUSY.search(r.text)
        if busy:
            target = self.vocabulary.dimension_at_start(r.text[busy.end() :])
            if target is not None:
                r.dimensions.append(target[0])
                r.busy = True
                r.direction = "asc" if busy.group(1) in {"quietest", "slowest", "quiet"} else "desc"
                r.consume((busy.start(), busy.end() + target[1][1]))
        for word, grain in ADJECTIVE_GRAINS.items():
            match = re.search(rf"\b{word}\b", r.text)
            if match:
                r.dimensions.append(DimensionTarget(grain=grain))
                r.consume(match.span())

    def _active(self, r: Reading) -> None:
        inactive = INACTIVE.search(r.text)
        if inactive:
            r.active = False
            r.consume(inactive.span())
            return
        active = ACTIVE.search(r.text)
        if active:
            r.active = True
            r.consume(active.span())

    def _entities(self, r: Reading) -> None:
        tokens = r.text.split(" ")
        offsets: list[int] = []
        position = 0
        for token in tokens:
            offsets.append(position)
            position += len(token) + 1
        for match in self.index.find(r.text, skip=self.vocabulary.reserved):
            start_char = self._char_offset(r.text, match.span[0])
            end_char = self._char_offset(r.text, match.span[1] - 1, end=True)
            negated = bool(NEGATION.search(r.text[:start_char]))
            if negated:
                neg = NEGATION.search(r.text[:start_char])
                assert neg is not None
                r.consume(neg.span())
            if (
                match.how == "exact"
                and match.alternatives
                and _singular_mention(r.text, start_char, end_char, self.vocabulary.reserved)
            ):
                # "the burger" is one dish, not the Burgers category: ask which one.
                match = EntityMatch(match.span, match.text, match.alternatives, "partial")
            r.entities.append((match, negated))
            r.consume((start_char, end_char))

    @staticmethod
    def _char_offset(text: str, token_index: int, *, end: bool = False) -> int:
        """Character offset of the ``token_index``-th word (its end when ``end``)."""
        for number, found in enumerate(re.finditer(r"[a-z0-9][a-z0-9'&]*", text)):
            if number == token_index:
                return found.end() if end else found.start()
        return len(text)

    def _metric(self, r: Reading) -> None:
        """The number asked for: a model metric, or an aggregate over a column.

        "total tips" is the tips metric; "average price" aggregates a column; "biggest order"
        and "cheapest item" rank rows of a table rather than count them.
        """
        found = self.vocabulary.find_metric(r.text)
        for word, agg in AGGREGATES_LONGEST_FIRST:
            match = re.search(rf"\b{re.escape(word)}\b", r.text)
            if not match:
                continue
            if found and found[1][0] <= match.start() < found[1][1]:
                break  # the word is part of a metric's name ("average order value")
            if found and agg == "sum" and match.end() <= found[1][0] <= match.end() + 2:
                r.consume(match.span())  # "total tips" is the tips metric
                break
            rest = r.text[match.end() : match.end() + 40]
            column = self.vocabulary.find_column(rest)
            if column and column[1][0] <= 2:
                r.aggregate = (agg, column[0])
                r.consume((match.start(), match.end() + column[1][1]))
                if agg in {"max", "min"} and r.limit is None:
                    r.direction, r.superlative_word = None, None
                found = self.vocabulary.find_metric(r.text)
                break
            table = self.vocabulary.find_table(rest)
            if agg in {"max", "min"} and table and len(rest[: table[1][0]].split()) <= 1:
                r.direction = "desc" if agg == "max" else "asc"
                r.superlative_word = word
                r.table = table[0]
                r.consume((match.start(), match.end() + table[1][1]))
                found = self.vocabulary.find_metric(r.text)
                break
        table = self.vocabulary.find_table(r.text)
        if found and table and table[1][0] <= found[1][0] and found[1][1] < table[1][1]:
            return  # "rating categories" names a table, not the rating metric
        if found and r.order_metric and table and table[1][0] <= found[1][0] < table[1][1]:
            r.table = table[0]  # "top customers by sales": customers are rows, not a number
            r.consume(table[1])
            return
        if found and self._negated_filtered_metric(r, found):
            return
        if found:
            r.metric = found[0]
            r.consume(found[1])

    def _unknown(self, r: Reading) -> None:
        """ "sales of the lobster roll": a name after of/for/at that matched nothing."""
        match = UNKNOWN_NAME.search(r.text)
        if match is None:
            return
        words = match.group("name").split()
        reserved = self.vocabulary.reserved | self.model.generic_words
        if all(w not in reserved and w not in STOPWORDS and len(w) >= 3 for w in words):
            r.unknown = match.group("name")

    def _negated_filtered_metric(self, r: Reading, found: tuple[str, tuple[int, int]]) -> bool:
        """ "not cancelled orders": leave it to the value and negation passes."""
        metric = self.model.metrics.get(found[0])
        return bool(metric and metric.filters and NEGATION.search(r.text[: found[1][0]]))

    def _table(self, r: Reading) -> None:
        which = WHICH_TABLE.search(r.text)
        if which:
            found = self.vocabulary.find_table(which.group("rest"))
            if found and found[1][0] <= 1:
                r.which_table = found[0]
        found = self.vocabulary.find_table(r.text)
        if found and r.table is None:
            r.table = found[0]
            r.consume(found[1])

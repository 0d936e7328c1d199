"""Question → QueryPlan (or a clarification): the deterministic, offline parser.

The question is read in passes, each consuming the words it understands: time words, comparisons,
top/bottom N, numeric conditions, breakdowns, named values (entities), then the metric or the
listing asked for. What remains decides between an answer, a follow-up edit of the previous plan
(``followups.py``) and a clarification with concrete options.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.understanding.entities import STOPWORDS, Entity, EntityIndex, EntityMatch, fold
from bot.understanding.interpretation import Span, SpanKind
from bot.understanding.model import SemanticModel, singular
from bot.understanding.plan import Direction
from bot.understanding.reading import Breakdown, NumericCondition, Reading
from bot.understanding.spelling import Speller
from bot.understanding.time_words import TIME_VOCABULARY, find_time_ranges
from bot.understanding.vocabulary import (
    AGGREGATE_WORDS,
    WORD_TOKEN,
    DimensionTarget,
    Vocabulary,
)

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
    r"\s+\$?(\d+(?:\.\d+)?)\b(?:\s*(?:dollars|bucks|usd)\b)?"
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
AGGREGATES_LONGEST_FIRST = tuple(
    (word, agg, re.compile(rf"\b{re.escape(word)}\b"))
    for word, agg in sorted(AGGREGATE_WORDS.items(), key=lambda kv: -len(kv[0]))
)
ENTITY_TOKEN = re.compile(r"[a-z0-9][a-z0-9'&]*")
ADJECTIVE_GRAINS = {
    "daily": "day", "weekly": "week", "monthly": "month", "hourly": "hour", "yearly": "year",
    "quarterly": "quarter",
}  # fmt: skip
ADJECTIVE_GRAIN_PATTERNS = {word: re.compile(rf"\b{word}\b") for word in ADJECTIVE_GRAINS}
ROW_WITH = re.compile(r"\b(?:with|has|had|have|having)\s+(?:the\s+)?$")  # "the state with the"
NEGATION = re.compile(
    r"(\b(not|excluding|exclude|except|other than|without|besides|apart from|non|but not|"
    r"not counting|not including|leaving out|minus|outside(?: of)?|"
    r"werent|wasnt|isnt|arent|dont|didnt|doesnt)|n't)(\s+(at|from|in|for|the|a|an|to|by|of))*\s*$"
)
LISTING_CUE = re.compile(
    r"^(show|list|which|what are|what's on|whats on|what is on|what do we have|give me|gimme|"
    r"pull up|display|"
    r"see|find|get|tell me)\b|\bwhat(?:'s| is| are)? (?:on|in) the\b"
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
COUNT_CUE = re.compile(r"\b(how many|number of|count of|count)\b|(?:^|\s)(#(?: of)?)\s")
SELL_CUE = re.compile(r"\b(sold|sell|sells|selling|sale of|ordered|moved)\b")
HOW_MUCH_SELL = re.compile(
    r"\bhow much\b.*\b(sell|sold|make|made|earn|bring in)\b"
    r"|\bwhat did .*\b(bring in|make|take in|earn|gross|ring up)\b|\b(brought|bring) in\b"
)
BEST_SELLING = re.compile(
    r"\b(best|top|worst|least|most|slowest)[ -]?(selling|sellers?|sold|popular|ordered)\b"
    r"|\bsold the (most|least)\b|\bsell the (most|least)\b|\bmost popular\b|\bleast popular\b"
    r"|\bsellers?\b"
)
# General English for rows being on or off; a model adds its own (state_words: "on the menu").
ACTIVE_WORDS = ("active", "enabled", "available", "live", "currently offered")
INACTIVE_WORDS = ("disabled", "inactive", "unavailable", "turned off", "not available", "hidden")
HOURS = re.compile(
    r"\b(hours|open|opens|opening|close|closes|closing|what time)\b(?!.*\b(orders?|sales)\b)"
)
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
FOLLOW_UP_CUE = re.compile(
    r"^(and|what about|how about|same|now|ok|okay|also|then|only|just|but|break|split|by|per|"
    r"excluding|exclude|without|except|vs|versus|compare|instead|what if|for|in|at|on|"
    r"show (?:it|that|them) by|can you break|sort|sorted|order|rank|ranked|rerank)\b"
)
# "cost" as a verb asks for the amount a row has ("what does it cost", "items costing under
# $10"); as a noun ("food cost") it names something else.
COST_VERB = re.compile(
    r"\b(?:does|do|did|will|would)\b(?:\s+\S+){1,5}?\s+(cost)\b"
    r"|\b(costs?|costing|priced)(?=\s+(?:less|more|under|over|above|below|at|no|exactly)\b)"
)
NONE_OF = re.compile(r"\b(?:no|without|without a|zero)\s+")
# "how many are still open", "how many did we sell": the count leaves out what is counted.
ELLIPTICAL_COUNT = re.compile(r"\bhow (?:many|much) (?:are|were|is|was|did|do|does|have|has)\b")
MONEY_VERB = re.compile(r"\b(bring|brought|take|took|ring|rang) (in|up)\b|\b(earn|earned|gross)\b")
HOW_BUSY = re.compile(r"\bhow (busy|quiet|slow)\b")
PLURAL_RANK_NOUNS = frozenset({"sellers", "performers", "earners"})
REFERRING = re.compile(
    r"\b(it|its|that one|those|them|they|their|these|the same|same)\b"
    r"|\b(?:was|is|were|are) (?:that|this)\s*$|\bof (?:that|this)\b"
)
ADDING_CUE = re.compile(r"^(only|just|also|and only|but only)\b|\b(only|just)\b")
# Cue words that steered the reading: accounted for once every pass has run.
CUE_SPANS: tuple[tuple[re.Pattern[str], SpanKind], ...] = (
    *((pattern, "ranking") for pattern, _ in TOP_N),
    *((pattern, "ranking") for pattern, _ in SUPERLATIVE),
    (RANK, "ranking"),
    (BEST_SELLING, "ranking"),
    (COUNT_CUE, "intent"),
    (SELL_CUE, "intent"),
    (ADDING_CUE, "follow_up"),
    (VAGUE, "intent"),
    (re.compile(r"^(what about|how about|what if|instead|same)\b|\binstead\b"), "follow_up"),
    (REFERRING, "follow_up"),
)


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
    # chat shorthand, general English
    "lst": "last", "tdy": "today", "tot": "total", "val": "value", "wat": "what", "wht": "what",
    "whts": "whats", "mny": "many", "hw": "how", "loc": "location", "locs": "locations",
    "amt": "amount", "uniq": "unique", "cust": "customer", "custs": "customers",
    "deliv": "delivery", "delivs": "deliveries", "crk": "creek", "mnth": "month",
    "mths": "months", "dys": "days", "ordr": "order", "ordrs": "orders", "ordrd": "ordered",
    "itm": "item", "itms": "items", "prev": "previous", "wknd": "weekend", "nums": "numbers",
}  # fmt: skip
ABBREVIATION = re.compile(r"(?<![\w/])(" + "|".join(map(re.escape, ABBREVIATIONS)) + r")(?![\w/])")


EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)+")


def clean(question: str) -> str:
    emails = EMAIL.findall(fold(question))  # kept whole: "angela.allen@example.net"
    text = EMAIL.sub("\x00", fold(question))
    text = ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(1)], text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", "").replace("”", "")
    text = re.sub(r"[?!;,\"]+", " ", text)
    text = re.sub(r"(?<=\w)'s\b", "", text)  # "today's sales" → "today sales"
    text = re.sub(r"(?<![\d])\.(?!\d)", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    for email in emails:
        text = text.replace("\x00", email, 1)
    return text


def _words_pattern(general: tuple[str, ...], own: tuple[str, ...]) -> re.Pattern[str]:
    """Any of the phrases, longest first, as whole words ("86'd" too)."""
    phrases = sorted({*general, *own}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(" + "|".join(map(re.escape, phrases)) + r")(?![\w'])")


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


class QuestionReader:
    """Reads questions against one model's vocabulary and value index."""

    def __init__(self, model: SemanticModel, vocabulary: Vocabulary, index: EntityIndex) -> None:
        self.model = model
        self.vocabulary = vocabulary
        self.index = index
        self._active_words = _words_pattern(ACTIVE_WORDS, model.state_words.get("active", ()))
        self._inactive = _words_pattern(INACTIVE_WORDS, model.state_words.get("inactive", ()))
        known = vocabulary.words | index.words
        plurals = {
            f"{word}s"
            for word in vocabulary.words
            if word.isalpha() and not word.endswith(("s", "ed", "ing", "ly"))
        }
        self.speller = Speller(known | plurals | TIME_VOCABULARY)  # "sals" → "sales"
        self._email_column = next(
            (
                column.qualified
                for table in model.tables.values()
                for column in table.columns.values()
                if column.kind == "text" and "email" in f"{column.name} {column.label}".lower()
            ),
            None,
        )

    def read(self, question: str, now: datetime) -> Reading:
        text = cleaned = clean(question)
        emails = [(m.span(), m.group(0)) for m in EMAIL.finditer(text)]
        for (start, end), _ in emails:
            text = text[:start] + " " * (end - start) + text[end:]
        corrected = self.speller.correct(text)
        r = Reading(original=question, text=corrected, cleaned=cleaned, corrected=corrected)
        self._emails(r, emails)
        self._intent(r)
        for match in list(COST_VERB.finditer(r.text)):
            group = 1 if match.group(1) else 2
            r.consume(match.span(group), "schema")  # "what does it cost": its price
            r.intent.price_ask = True
        hours = (
            bool(HOURS.search(r.text))
            and self.vocabulary.find_metric(r.text) is None
            and not COUNT_CUE.search(r.text)  # "how many are still open": a state, not hours
        )
        r.intent.hours = hours and self.model.roles.get("hours") in self.model.tables
        if r.intent.hours:
            for word in list(HOURS.finditer(r.text)):
                r.consume(word.span(1), "intent")
        else:
            self._times(r, now)
        self._comparison(r)
        self._top_n(r)
        self._numeric(r)
        self._none_of(r)
        r.ranking.best_selling = bool(BEST_SELLING.search(r.text))
        money = HOW_MUCH_SELL.search(r.text)
        r.intent.selling = bool(SELL_CUE.search(r.text)) or money is not None
        r.intent.selling_money = money is not None and "how much" not in money.group(0)
        for match in list(MONEY_VERB.finditer(r.text)):
            r.consume(match.span(), "intent")  # "take in", "ring up": not a value's words
        busy = HOW_BUSY.search(r.text)
        volume = self.model.roles.get("volume")
        if busy and volume in self.model.metrics:
            r.asked.metric = volume  # "how busy was saturday": the volume metric
            r.consume(busy.span(), "metric")
        count = COUNT_CUE.search(r.text)
        r.intent.counting = count is not None
        if count is not None and not r.time.ranges:
            # "how many signed up": the rows whose time column the words name
            for column, span in self.vocabulary.time_column_phrases(r.text)[:1]:
                r.asked.counted_table = column.partition(".")[0]
                r.asked.time_column = column
                r.consume(span, "schema")
        if count is not None:
            counted = self.vocabulary.find_table(r.text[count.end() : count.end() + 30])
            if counted and counted[1][0] <= 2:
                r.asked.counted_table = counted[0]
        self._breakdowns(r)
        self._active(r)
        self._metric(r)
        self._entities(r)
        for column, span in self.vocabulary.text_column_phrases(r.text):
            r.asked.columns.append((column, r.text[span[0] : span[1]]))  # "... phone number"
            r.consume(span, "schema")
        if r.asked.metric is None and r.asked.aggregate is None:
            self._metric(r)
        self._table(r)
        self._unknown(r)
        r.intent.listing_cue = r.intent.price_ask or bool(LISTING_CUE.search(r.text.strip()))
        r.intent.singular = self._singular_ask(r)
        self._account_cues(r)
        return r

    def _intent(self, r: Reading) -> None:
        """How the question is put, read on the whole cleaned text before any pass consumes it."""
        text = r.text
        r.intent.small_talk = bool(SMALL_TALK.search(text))
        r.intent.out_of_scope = bool(OUT_OF_SCOPE.search(text))
        r.intent.vague = bool(VAGUE.search(text))
        r.intent.follow_up = bool(FOLLOW_UP_CUE.search(text))
        r.intent.referring = bool(REFERRING.search(text))
        r.intent.adding = bool(ADDING_CUE.search(text))
        r.intent.how_much = bool(re.search(r"\bhow much\b", text))
        r.intent.elliptical = bool(ELLIPTICAL_COUNT.search(text))

    def _emails(self, r: Reading, emails: list[tuple[tuple[int, int], str]]) -> None:
        """An email address names one row of the table that keeps emails (one person)."""
        if self._email_column is None:
            return
        for (start, end), email in emails:
            entity = Entity(self._email_column, email, email)
            r.conditions.entities.append((EntityMatch((0, 0), email, (entity,), "exact"), False))
            r.spans.append(Span("value", start, end, email))

    def _singular_ask(self, r: Reading) -> bool:
        """Whether one thing is asked for ("which item sold the most", "the busiest day")."""
        text = r.cleaned
        if re.search(r"\b(which|what)\s+\w+\s+(is|was|had|has|did|sold|sells|got)\b", text):
            return True
        if not re.search(r"\b(the )?(most|best|top|least|worst|busiest|highest|lowest)\b", text):
            return False
        return not any(
            word in PLURAL_RANK_NOUNS
            or (word != singular(word) and singular(word) in self.vocabulary.row_words)
            for word in WORD_TOKEN.findall(text)
        )

    def _account_cues(self, r: Reading) -> None:
        """Cue words that steered the reading are understood words too."""
        if r.ranking.span is not None:
            r.consume(r.ranking.span, "ranking")
        for pattern, kind in CUE_SPANS:
            for match in list(pattern.finditer(r.text)):
                r.consume(match.span(), kind)

    def _times(self, r: Reading, now: datetime) -> None:
        shift = SHIFT_CUE.search(r.text)
        if shift:
            r.time.shift = True
            r.consume(shift.span(), "comparison")
        for match in find_time_ranges(r.text, now, week_start=self.model.time.week_start):
            r.time.ranges.append(match.range)
            r.consume(match.span, "time")
        if r.time.ranges:
            for column, span in self.vocabulary.time_column_phrases(r.text):
                r.asked.time_column = column  # "joined this year": the range is about that column
                r.consume(span, "time")

    def _comparison(self, r: Reading) -> None:
        cue = COMPARISON_CUE.search(r.text)
        if cue:
            r.time.comparison = True
            r.consume(cue.span(), "comparison")

    def _top_n(self, r: Reading) -> None:
        for pattern, direction in TOP_N:
            match = pattern.search(r.text)
            if match:
                r.ranking.limit, r.ranking.direction = _number(match.group(1)), direction
                r.ranking.word = match.group(0)
                r.ranking.span = match.span()
                return
        found = [(m, d) for p, d in SUPERLATIVE if (m := p.search(r.text))]
        if found:
            match, direction = min(found, key=lambda item: item[0].start())
            r.ranking.direction, r.ranking.word = direction, match.group(1)
        price = PRICE_SUPERLATIVE.search(r.text)
        if price:
            word = price.group(1) or price.group(2)
            r.ranking.direction = "asc" if word in {"cheapest", "least expensive"} else "desc"
            r.ranking.word, r.ranking.by_amount = word, True
            r.consume(price.span(), "ranking")
        if RANK.search(r.text):
            r.ranking.explicit = True
            r.ranking.direction = r.ranking.direction or "desc"

    def _numeric(self, r: Reading) -> None:
        previous_end = -1
        for match in NUMERIC.finditer(r.text):
            if previous_end >= 0 and re.search(r"\bor\b", r.text[previous_end : match.start()]):
                r.drop("or", "either of two conditions")  # "over $40 or under $10": not both
            previous_end = match.end()
            counted = self.vocabulary.find_table(r.text[match.end() : match.end() + 25])
            if (
                "$" not in match.group(0)
                and counted
                and not r.text[match.end() : match.end() + counted[1][0]].strip()
            ):
                # "orders with more than 5 items": a count of rows per row, not an amount
                span = (match.start(), match.end() + counted[1][1])
                r.drop(r.text[span[0] : span[1]], "a count per row")
                r.consume(span, "number")
                continue
            before = max(0, match.start() - 30)
            named = self.vocabulary.column_ending_at(r.text[before : match.start()])
            column = None
            if named is not None:
                column = named[0]
                r.consume((before + named[1], match.start()), "schema")
            r.conditions.numeric.append(
                NumericCondition(
                    NUMERIC_OPS[match.group(1)], float(match.group(2)), column, match.group(0)
                )
            )
            r.consume(match.span(), "number")

    def _none_of(self, r: Reading) -> None:
        """ "orders with no tip": a numeric column said to be absent is zero."""
        for match in list(NONE_OF.finditer(r.text)):
            rest = r.text[match.end() :]
            found = self.vocabulary.find_column(rest)
            if found is None or found[1][0] != 0:
                continue
            column = found[0]
            if not self.model.column(column).is_numeric:
                continue
            span = (match.start(), match.end() + found[1][1])
            words = r.text[span[0] : span[1]]
            r.conditions.numeric.append(NumericCondition("=", 0.0, column, words))
            r.consume(span, "number")

    def _breakdowns(self, r: Reading) -> None:
        """ "by location and order type", "per day", "for each category", "by sales" (an order)."""
        for cue in list(BREAKDOWN.finditer(r.text)):
            position = cue.end()
            while True:
                rest = r.text[position:]
                metric = self.vocabulary.metric_at_start(rest)
                target = self.vocabulary.dimension_at_start(rest)
                if metric and (target is None or metric[1][1] > target[1][1]):
                    r.asked.order_metric = metric[0]
                    r.asked.order_words = r.text[cue.start() : position + metric[1][1]]
                    r.consume((cue.start(), position + metric[1][1]), "metric")
                    break
                if target is None:
                    break
                span = (cue.start(), position + target[1][1])
                r.asked.breakdowns.append(Breakdown(target[0], r.text[span[0] : span[1]]))
                r.consume(span, "grain")
                tail = self.vocabulary.find_table(r.text[span[1] : span[1] + 25])
                if tail and not r.text[span[1] : span[1] + tail[1][0]].strip():
                    # "by item category": the breakdown read "item", not the rest of it
                    words = (span[1] + tail[1][0], span[1] + tail[1][1])
                    r.drop(r.text[words[0] : words[1]], "the rest of a breakdown")
                    r.consume(words, "grain")
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
                span = (busy.start(), busy.end() + target[1][1])
                r.asked.breakdowns.append(Breakdown(target[0], r.text[span[0] : span[1]]))
                r.ranking.busy = True
                quiet = busy.group(1) in {"quietest", "slowest", "quiet"}
                r.ranking.direction = "asc" if quiet else "desc"
                r.consume(span, "ranking")
        for word, grain in ADJECTIVE_GRAINS.items():
            match = ADJECTIVE_GRAIN_PATTERNS[word].search(r.text)
            if match:
                r.asked.breakdowns.append(Breakdown(DimensionTarget(grain=grain), word))
                r.consume(match.span(), "grain")

    def _active(self, r: Reading) -> None:
        inactive = self._inactive.search(r.text)
        if inactive:
            r.conditions.active = False
            r.consume(inactive.span(), "state")
            return
        active = self._active_words.search(r.text)
        if active:
            r.conditions.active = True
            r.consume(active.span(), "state")

    def _entities(self, r: Reading) -> None:
        # Token positions of the text as the index reads it, taken before anything is consumed
        # (consuming keeps every character where it is, so the positions stay right).
        words = [m.span() for m in ENTITY_TOKEN.finditer(r.text.replace("-", " "))]
        for match in self.index.find(r.text, skip=self.vocabulary.reserved):
            start_char, end_char = words[match.span[0]][0], words[match.span[1] - 1][1]
            neg = NEGATION.search(r.text[:start_char])
            if neg:
                r.consume(neg.span(), "negation")
            if (
                match.how == "exact"
                and match.alternatives
                and _singular_mention(r.text, start_char, end_char, self.vocabulary.reserved)
            ):
                # "the burger" is one dish, not the Burgers category: ask which one.
                match = EntityMatch(match.span, match.text, match.alternatives, "partial")
            r.conditions.entities.append((match, neg is not None))
            r.consume((start_char, end_char), "value")

    def _metric(self, r: Reading) -> None:
        """The number asked for: a model metric, or an aggregate over a column.

        "total tips" is the tips metric; "average price" aggregates a column; "biggest order"
        and "cheapest item" rank rows of a table rather than count them.
        """
        found = self._explicit_metric(r.text) or self.vocabulary.metric_by_stem(r.text)
        for word, agg, pattern in AGGREGATES_LONGEST_FIRST:
            match = pattern.search(r.text)
            if not match:
                continue
            if found and found[1][0] <= match.start() < found[1][1]:
                break  # the word is part of a metric's name ("average order value")
            if found and agg == "sum" and match.end() <= found[1][0] <= match.end() + 2:
                r.consume(match.span(), "metric")  # "total tips" is the tips metric
                break
            if found and self._aggregates_as(found[0], agg, r.text[match.end() : found[1][0]]):
                r.consume(match.span(), "metric")  # "average food rating": the rating metric
                break
            rest = r.text[match.end() : match.end() + 40]
            column = self.vocabulary.find_column(rest)
            between = rest[: column[1][0]].split() if column else []
            asks_row = r.asked.which_table or ROW_WITH.search(r.text[: match.start()])
            if column and len(between) == 1 and asks_row and self._names_value(between[0]):
                # "which club has the lowest service score": a value between word and column
                r.consume(match.span(), "metric")
                r.consume((match.end() + column[1][0], match.end() + column[1][1]), "metric")
                rows = self.vocabulary.find_table(r.text)
                if agg in {"max", "min"} and rows and self._owns(rows[0], column[0]):
                    r.ranking.direction = "desc" if agg == "max" else "asc"
                    r.ranking.word, r.ranking.column = word, column[0]
                    r.asked.table = rows[0]
                    r.consume(rows[1], "schema")
                    break
                r.asked.aggregate = (agg, column[0])
                break
            if column and column[1][0] <= 2:
                r.consume((match.start(), match.end() + column[1][1]), "metric")
                rows = self.vocabulary.find_table(r.text)
                if rows:
                    column = (self._same_column(rows[0], column[0]), column[1])
                asks_row = r.asked.which_table or ROW_WITH.search(r.text[: match.start()])
                if agg in {"max", "min"} and rows and asks_row and self._owns(rows[0], column[0]):
                    # "what state has the largest area": the row, ranked by the column
                    r.ranking.direction = "desc" if agg == "max" else "asc"
                    r.ranking.word, r.ranking.column = word, column[0]
                    r.asked.table = rows[0]
                    r.consume(rows[1], "schema")
                    break
                r.asked.aggregate = (agg, column[0])
                if agg in {"max", "min"} and r.ranking.limit is None:
                    r.ranking.direction, r.ranking.word = None, None
                found = self.vocabulary.find_metric(r.text)
                break
            table = self.vocabulary.find_table(rest)
            between = rest[: table[1][0]].split() if table else []
            if agg in {"max", "min"} and table and all(w in STOPWORDS for w in between):
                r.ranking.direction = "desc" if agg == "max" else "asc"
                r.ranking.word = word
                r.asked.table = table[0]
                r.consume((match.start(), match.end() + table[1][1]), "ranking")
                found = self.vocabulary.find_metric(r.text)
                break
        table = self.vocabulary.find_table(r.text)
        if found and table and table[1][0] <= found[1][0] and found[1][1] < table[1][1]:
            return  # "rating categories" names a table, not the rating metric
        if found and r.asked.order_metric and table and table[1][0] <= found[1][0] < table[1][1]:
            r.asked.table = table[0]  # "top customers by sales": customers are rows, not a number
            r.consume(table[1], "schema")
            return
        if found and self._negated_filtered_metric(r, found):
            return
        if found and self._average_of_counts(found[0], r.text[found[1][0] : found[1][1]]):
            # "average orders per day": an average of counts, not the average order's value;
            # the rows are counted and "average" is left for the answer to say it cannot do
            last = list(WORD_TOKEN.finditer(r.text, found[1][0], found[1][1]))[-1]
            counted = self.vocabulary.find_metric(last.group(0))
            if counted is not None:
                r.asked.metric = counted[0]
                r.consume(last.span(), "metric")
            return
        if found:
            r.asked.metric = found[0]
            if table and table[1] == found[1]:
                r.asked.rows_of = table[0]  # "appointments": the rows, counted
            r.consume(found[1], "metric")

    def _explicit_metric(self, text: str) -> tuple[str, tuple[int, int]] | None:
        """The first metric named, preferring one said as a measure ("members tip": tips)
        over the count a table's word stands for."""
        found = self.vocabulary.metrics_in(text)
        tables = {span for _, span in self.vocabulary.tables_in(text)}
        measures = [(name, span) for name, span in found if span not in tables]
        if not found:
            return None
        name, (start, end) = (measures or found)[0]
        for other, (s, e) in found:  # "delivery fees collected": two phrases of one metric
            if other == name and s < end and e > end:
                end = e
        return name, (start, end)

    def _average_of_counts(self, metric: str, said: str) -> bool:
        """ "avg orders" said for the average order's metric: plural rows, so counts."""
        spec = self.model.metrics.get(metric)
        words = said.split()
        if spec is None or not spec.expr.upper().startswith("AVG(") or len(words) < 2:
            return False
        last = words[-1]
        return last != singular(last) and singular(last) in self.vocabulary.row_words

    def _names_value(self, word: str) -> bool:
        return singular(word) in self.index.words

    def _same_column(self, table: str, column: str) -> str:
        """The named table's own column of that name, when it has one ("state ... population")."""
        name = column.partition(".")[2]
        spec = self.model.tables.get(table)
        return f"{table}.{name}" if spec is not None and name in spec.columns else column

    def _owns(self, table: str, column: str) -> bool:
        """Whether ``column`` describes rows of ``table`` (its own column or a parent's)."""
        owner = column.partition(".")[0]
        return owner == table or self.model.join_path(table, owner) is not None

    def _aggregates_as(self, metric: str, agg: str, between: str) -> bool:
        """Whether ``metric`` already is that aggregate, said a word or two before its name."""
        spec = self.model.metrics.get(metric)
        prefix = f"{agg.upper()}("
        return bool(spec and spec.expr.upper().startswith(prefix) and len(between.split()) <= 2)

    def _unknown(self, r: Reading) -> None:
        """ "sales of the lobster roll": a name after of/for/at that matched nothing."""
        match = UNKNOWN_NAME.search(r.text)
        if match is None:
            return
        words = match.group("name").split()
        reserved = self.vocabulary.reserved | self.model.generic_words
        if all(w not in reserved and w not in STOPWORDS and len(w) >= 3 for w in words):
            r.intent.unknown = match.group("name")

    def _negated_filtered_metric(self, r: Reading, found: tuple[str, tuple[int, int]]) -> bool:
        """ "not cancelled orders": leave it to the value and negation passes."""
        metric = self.model.metrics.get(found[0])
        return bool(metric and metric.filters and NEGATION.search(r.text[: found[1][0]]))

    def _table(self, r: Reading) -> None:
        which = WHICH_TABLE.search(r.text)
        if which:
            found = self.vocabulary.find_table(which.group("rest"))
            if found and found[1][0] <= 1:
                r.asked.which_table = found[0]
        found = self.vocabulary.find_table(r.text)
        if found and r.asked.table is None:
            r.asked.table = found[0]
            r.consume(found[1], "schema")

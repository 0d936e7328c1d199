"""Time words → a half-open time range on the location's local clock.

The table of shared/DESIGN.md, "Time words", as data: each rule is a regular expression and a
function from its match, the clock and the first day of the week (Monday unless the semantic
model's ``time.week_start`` says Sunday) to a range. ``find_time_range`` returns the first rule
that matches (longest rules are tried first) and the span of text it used, so the parser can
remove it. ``now`` is naive local wall-clock time: the caller has already moved it to the zone of
the rows asked about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.records import Record, load_part

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
MONDAY, SUNDAY = WEEKDAYS["monday"], WEEKDAYS["sunday"]
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "thirty": 30, "ninety": 90,
}  # fmt: skip


TIME_VOCABULARY = frozenset(
    [*MONTHS, *WEEKDAYS, *NUMBER_WORDS, "today", "yesterday", "week", "weeks", "month",
     "months", "year", "years", "quarter", "last", "this", "past", "previous", "between", "since",
     "date", "days"]
)  # fmt: skip


class TimeRangeRecord(Record):
    """A :class:`TimeRange` as stored inside a plan record (ISO date-times)."""

    start: datetime
    end: datetime
    label: str
    grain: str = "custom"

    def to_range(self) -> TimeRange:
        return TimeRange(self.start, self.end, self.label, self.grain)


@dataclass(frozen=True)
class TimeRange:
    """``start <= t < end`` in local wall-clock time, with the words that describe it."""

    start: datetime
    end: datetime
    label: str
    grain: str = "custom"  # day, week, month, quarter, year or custom: what "the one before" shifts

    def to_dict(self) -> dict[str, str]:
        return TimeRangeRecord.model_validate(self).model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: Any) -> TimeRange:
        """The range a :meth:`to_dict` wrote; StaleRecordError for any other shape."""
        return load_part(TimeRangeRecord, data, "time range").to_range()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()

    def span_words(self) -> str:
        """``Jun 2–8``, ``Jun 28 – Jul 4``, ``Jun 15``, ``Jun 2025``: the dates it covers."""
        first, last = self.start.date(), self.last_day
        if first == last:
            return _md(first)
        if self.grain == "month" and first.day == 1:
            return first.strftime("%b %Y")
        if self.grain == "year" and (first.month, first.day) == (1, 1) and last.year == first.year:
            return (
                str(first.year)
                if (last.month, last.day) == (12, 31)
                else (f"{_md(first)} – {_md(last)}, {first.year}")
            )
        if self.grain == "quarter" and first.day == 1 and last.month - first.month == 2:
            return f"Q{(first.month - 1) // 3 + 1} {first.year}"
        if first.year == last.year and first.month == last.month:
            return f"{_md(first)}–{last.day}"
        if first.year == last.year:
            return f"{_md(first)} – {_md(last)}"
        return f"{_md(first)}, {first.year} – {_md(last)}, {last.year}"

    def shifted(self, periods: int = -1) -> TimeRange:
        """The same kind of period ``periods`` steps away ("the week before", "and last year?").

        Calendar periods move by calendar units; a period to date ("this week" so far) keeps its
        length; a custom range moves by its own length.
        """
        if self.grain in CALENDAR_MONTHS:
            start = _add_months(self.start, CALENDAR_MONTHS[self.grain] * periods)
            whole = self.end == _add_months(self.start, CALENDAR_MONTHS[self.grain])
            end = (
                _add_months(self.end, CALENDAR_MONTHS[self.grain] * periods)
                if whole
                else (start + (self.end - self.start))
            )
        else:
            step = FIXED_STEPS.get(self.grain, self.end - self.start)
            start, end = self.start + step * periods, self.end + step * periods
        unit = "period" if self.grain == "custom" else self.grain
        word = "before" if periods < 0 else "after"
        label = f"the {unit} {word}" if abs(periods) == 1 else f"{abs(periods)} {unit}s {word}"
        return _labelled(label, start, end, self.grain)


CALENDAR_MONTHS = {"month": 1, "quarter": 3, "year": 12}
FIXED_STEPS = {"day": timedelta(days=1), "week": timedelta(days=7)}


def _md(day: date) -> str:
    return f"{day.strftime('%b')} {day.day}"


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, 28))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0))


def _days(first: date, last: date, label: str, grain: str = "custom") -> TimeRange:
    return TimeRange(_day_start(first), _day_start(last + timedelta(days=1)), label, grain)


def _month_range(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1)
    return start, _add_months(start, 1)


def _first_of_week(day: date, first: int = MONDAY) -> date:
    """The first day (weekday ``first``, 0 = Monday) of the week holding ``day``."""
    return day - timedelta(days=(day.weekday() - first) % 7)


def _quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _labelled(label: str, first: date | datetime, end: datetime, grain: str) -> TimeRange:
    start = first if isinstance(first, datetime) else _day_start(first)
    probe = TimeRange(start, end, label, grain)
    return TimeRange(start, end, f"{label} ({probe.span_words()})", grain)


# -- parsing of single dates ---------------------------------------------------------------------

MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# Month names that are no other English word ("may", "march", "mar" are verbs too).
BARE_MONTH_NAMES = "|".join(
    sorted((m for m in MONTHS if m not in {"may", "march", "mar"}), key=len, reverse=True)
)
WEEKDAY_NAMES = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
FULL_WEEKDAY_NAMES = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
NUMBER = r"(\d+|" + "|".join(NUMBER_WORDS) + ")"
DAY_SUFFIX = r"(?:st|nd|rd|th)?"
NUMERIC_DATE = r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?"
NAMED_DATE = rf"(?:({MONTH_NAMES})\.?\s+(\d{{1,2}}){DAY_SUFFIX}(?:,?\s+(\d{{4}}))?|(\d{{1,2}}){DAY_SUFFIX}\s+(?:of\s+)?({MONTH_NAMES})\.?(?:,?\s+(\d{{4}}))?)"  # noqa: E501
ISO_DATE = r"(\d{4})-(\d{2})-(\d{2})"
ANY_DATE = rf"(?:{ISO_DATE}|{NUMERIC_DATE}|{NAMED_DATE})"


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _year(text: str | None, today: date) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def _recent(month: int, day: int, today: date) -> date:
    """The most recent ``month``/``day`` that has begun (this year, else last year)."""
    for year in (today.year, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return date(today.year - 1, month, min(day, 28))


def parse_date(text: str, today: date) -> date | None:
    """One date: ``2025-02-21``, ``2/21/2025``, ``2/21``, ``Feb 21``, ``21st of February``."""
    text = text.strip().lower()
    match = re.fullmatch(ANY_DATE, text)
    if match is None:
        return None
    g = match.groups()
    try:
        if g[0]:
            return date(int(g[0]), int(g[1]), int(g[2]))
        if g[3]:
            month, day, year = int(g[3]), int(g[4]), _year(g[5], today)
        elif g[6]:
            month, day, year = MONTHS[g[6]], int(g[7]), _year(g[8], today)
        else:
            month, day, year = MONTHS[g[10]], int(g[9]), _year(g[11], today)
        return date(year, month, day) if year else _recent(month, day, today)
    except ValueError:
        return None


def _period_end(text: str, today: date) -> tuple[date, date] | None:
    """A date, a month (``March``, ``March 2025``) or a year, as its first and last day."""
    text = text.strip().lower()
    day = parse_date(text, today)
    if day is not None:
        return day, day
    match = re.fullmatch(rf"({MONTH_NAMES})\.?(?:,?\s+(\d{{4}}))?", text)
    if match:
        month = MONTHS[match.group(1)]
        year = (
            int(match.group(2))
            if match.group(2)
            else (today.year if month <= today.month else today.year - 1)
        )
        start, end = _month_range(year, month)
        return start.date(), (end - timedelta(days=1)).date()
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 1, 1), date(int(text), 12, 31)
    if text in {"today", "now"}:
        return today, today
    if text == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    return None


# -- the rules -----------------------------------------------------------------------------------

Rule = Callable[[re.Match[str], datetime, int], TimeRange | None]  # (match, now, week start)


def _today(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    return _labelled("today", now.date(), _day_start(now.date() + timedelta(days=1)), "day")


def _yesterday(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    day = now.date() - timedelta(days=1)
    return _labelled("yesterday", day, _day_start(now.date()), "day")


def _this_week(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    return _labelled("this week", _first_of_week(now.date(), week_start), now, "week")


def _last_week(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    start = _first_of_week(now.date(), week_start) - timedelta(days=7)
    return _labelled("last week", start, _day_start(start + timedelta(days=7)), "week")


def _this_month(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    start, end = _month_range(now.year, now.month)
    return _labelled("this month", start, end, "month")


def _last_month(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    start, _end = _month_range(now.year, now.month)
    return _labelled("last month", _add_months(start, -1), start, "month")


def _this_quarter(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    start = datetime(now.year, 3 * (_quarter_of(now.date()) - 1) + 1, 1)
    return _labelled("this quarter", start, _add_months(start, 3), "quarter")


def _last_quarter(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    end = datetime(now.year, 3 * (_quarter_of(now.date()) - 1) + 1, 1)
    return _labelled("last quarter", _add_months(end, -3), end, "quarter")


def _this_year(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    return _labelled("this year", datetime(now.year, 1, 1), datetime(now.year + 1, 1, 1), "year")


def _last_year(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    return _labelled("last year", datetime(now.year - 1, 1, 1), datetime(now.year, 1, 1), "year")


def _year_to_date(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    return _labelled("year to date", datetime(now.year, 1, 1), now, "year")


def _month_to_date(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    return _labelled("month to date", datetime(now.year, now.month, 1), now, "month")


def _last_n(m: re.Match[str], now: datetime, week_start: int) -> TimeRange | None:
    count, unit = _number(m.group(2)), m.group(3)
    if count < 1 or count > 3660:
        return None
    days = count * {"day": 1, "week": 7, "month": 30}[unit]
    first = now.date() - timedelta(days=days - 1)
    plural = unit if count == 1 else unit + "s"
    return _labelled(
        f"the last {count} {plural}", first, _day_start(now.date() + timedelta(days=1)), "custom"
    )


def _in_month(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    month = MONTHS[m.group(1)]
    year = int(m.group(2)) if m.group(2) else (now.year if month <= now.month else now.year - 1)
    start, end = _month_range(year, month)
    return TimeRange(start, end, f"{start.strftime('%B')} {year}", "month")


def _in_quarter(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    quarter = int(m.group(1))
    if m.group(2):
        year = int(m.group(2))
    else:
        year = now.year if quarter <= _quarter_of(now.date()) else now.year - 1
    start = datetime(year, 3 * (quarter - 1) + 1, 1)
    return TimeRange(start, _add_months(start, 3), f"Q{quarter} {year}", "quarter")


def _in_year(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    year = int(m.group(1))
    return TimeRange(datetime(year, 1, 1), datetime(year + 1, 1, 1), str(year), "year")


def _on_day(m: re.Match[str], now: datetime, week_start: int) -> TimeRange | None:
    day = parse_date(m.group(1), now.date())
    if day is None:
        return None
    return _days(day, day, f"{_md(day)}, {day.year}", "day")


def _on_weekday(m: re.Match[str], now: datetime, week_start: int) -> TimeRange:
    target = WEEKDAYS[m.group(2)]
    back = (now.weekday() - target) % 7
    if m.group(1) == "last" and back == 0:
        back = 7
    day = now.date() - timedelta(days=back)
    return _days(day, day, f"{day.strftime('%A')}, {_md(day)}", "day")


def _between(m: re.Match[str], now: datetime, week_start: int) -> TimeRange | None:
    first = _period_end(m.group("first"), now.date())
    last = _period_end(m.group("last"), now.date())
    if first is None or last is None or last[1] < first[0]:
        return None
    probe = _days(first[0], last[1], "")
    return TimeRange(probe.start, probe.end, probe.span_words(), "custom")


def _since(m: re.Match[str], now: datetime, week_start: int) -> TimeRange | None:
    first = _period_end(m.group("first"), now.date())
    if first is None:
        return None
    probe = _days(first[0], now.date(), "")
    return TimeRange(probe.start, now, f"since {_md(first[0])}, {first[0].year}", "custom")


PERIOD = rf"(?:{ANY_DATE}|(?:{MONTH_NAMES})\.?(?:,?\s+\d{{4}})?|\d{{4}}|today|yesterday|now)"
RULES: tuple[tuple[str, Rule], ...] = (
    (
        rf"\b(between|from)\s+(?P<first>{PERIOD})\s+(?:and|to|until|through|thru|-)\s+"
        rf"(?P<last>{PERIOD})\b",
        _between,
    ),
    (rf"\bsince\s+(?P<first>{PERIOD})\b", _since),
    (r"\b(year[\s-]to[\s-]date|ytd|so far this year)\b", _year_to_date),
    (r"\b(month[\s-]to[\s-]date|mtd|so far this month)\b", _month_to_date),
    (rf"\b(last|past|previous|the last|the past)\s+{NUMBER}\s+(day|week|month)s?\b", _last_n),
    (rf"\b(?:on\s+|for\s+)?({ANY_DATE})\b", _on_day),
    (r"\b(?:in|during|for)\s+q([1-4])(?:\s+(\d{4}))?\b", _in_quarter),
    (r"\bq([1-4])(?:\s+(\d{4}))?\b", _in_quarter),
    (rf"\b(?:in|during|for|about|of)\s+({MONTH_NAMES})\.?(?:,?\s+(\d{{4}}))?\b", _in_month),
    (rf"\b({MONTH_NAMES})\.?\s+(\d{{4}})\b", _in_month),
    (rf"\b({BARE_MONTH_NAMES})\b()(?!\s*\d)", _in_month),  # "april sales", "and april?"
    (r"^(?:and|what about|how about|same for)\s+(may|march)\b()(?!\s*\d)", _in_month),
    (r"\b(?:in|during|for|from|of)\s+(20\d\d|19\d\d)\b", _in_year),
    (r"\b(today|so far today)\b", _today),
    (r"\b(yesterday)\b", _yesterday),
    (r"\b(this|current)\s+week\b|\bweek so far\b", _this_week),
    (r"\b(last|previous|past)\s+week\b", _last_week),
    (r"\b(this|current)\s+month\b", _this_month),
    (r"\b(last|previous|past)\s+month\b", _last_month),
    (r"\b(this|current)\s+quarter\b", _this_quarter),
    (r"\b(last|previous|past)\s+quarter\b", _last_quarter),
    (r"\b(this|current)\s+year\b", _this_year),
    (r"\b(last|previous|past)\s+year\b", _last_year),
    (rf"\b(?:on\s+)?(last|this|on)\s+({WEEKDAY_NAMES})\b", _on_weekday),
    (rf"\b()({FULL_WEEKDAY_NAMES})\b(?!\s*s\b)", _on_weekday),  # "how busy was saturday"
    # "avg check lakeside may": said last, not after a subject, "may" and "march" are months
    (r"(?<!we )(?<!it )(?<!you )(?<!they )(?<!i )\b(may|march)\b()\s*$", _in_month),
)
COMPILED = tuple((re.compile(pattern), rule) for pattern, rule in RULES)


@dataclass(frozen=True)
class TimeMatch:
    range: TimeRange
    span: tuple[int, int]


# Every rule needs a digit or one of these words: a question without them names no time.
TIME_CUES = TIME_VOCABULARY | {"ytd", "mtd", "q1", "q2", "q3", "q4", "quarter", "day", "now"}
_WORD = re.compile(r"[a-z0-9]+")


def _may_name_time(text: str) -> bool:
    return any(word in TIME_CUES or word[0].isdigit() for word in _WORD.findall(text))


def find_time_range(text: str, now: datetime, *, week_start: int = MONDAY) -> TimeMatch | None:
    """The first time expression in ``text`` (lower-case) and where it is, or ``None``.

    ``week_start`` is the weekday weeks begin on (0 = Monday, 6 = Sunday).
    """
    if not _may_name_time(text):
        return None
    best: TimeMatch | None = None
    for pattern, rule in COMPILED:
        for match in pattern.finditer(text):
            found = rule(match, now, week_start)
            if found is None:
                continue
            candidate = TimeMatch(found, match.span())
            if best is None or candidate.span[0] < best.span[0]:
                best = candidate
            break
        if best is not None and best.span[0] == 0:
            break
    return best


def find_time_ranges(text: str, now: datetime, *, week_start: int = MONDAY) -> list[TimeMatch]:
    """Every non-overlapping time expression, left to right ("this week vs last week")."""
    found: list[TimeMatch] = []
    remaining = text
    while True:
        match = find_time_range(remaining, now, week_start=week_start)
        if match is None:
            return found
        found.append(match)
        start, end = match.span
        remaining = remaining[:start] + " " * (end - start) + remaining[end:]

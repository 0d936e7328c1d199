"""Which rows a request means: settled, or a question with one option per row and one for all.

Words may name several rows: a category's items ("burger prices"), several items sharing a word
("the salad"), or one name on several locations' menus. Those rows are never changed (or
previewed) as one thing unless the person said "all" or picked them: Swoop asks which, offering
each row by a label that tells it apart ("Chicken Caesar Wrap (Oak Hollow Country Club)") and
"All N of them". A channel's location scope is applied before, so a name it makes one is one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.actions.preview import RowId, Value
from bot.actions.request import ActionClarification, ActionRequest

MAX_LISTED = 10  # rows offered one by one; beyond this only "all" (or more exact words) helps


@dataclass(frozen=True)
class Row:
    """A row as read for a preview: its own name, what the words matched, where it is."""

    id: RowId
    name: str  # the row's own name ("Bacon")
    context: str | None  # the name of the row it belongs to ("Classic Burger"), if catalogued
    location: str | None
    value: Value
    match: str  # the name the words matched: the row's own, or its group's ("Burgers")

    @property
    def shown(self) -> str:
        """How previews name the row: "Bacon (Classic Burger)"."""
        return self.name if self.context is None else f"{self.name} ({self.context})"


def settled(request: ActionRequest, rows: Sequence[Row]) -> bool:
    """Whether the rows are what the person meant without asking.

    They are when the person picked them or said "all", when there is only one, or when each
    name the words gave stands for exactly one row ("the reuben and the cobb salad").
    """
    if request.ids or request.every or len(rows) <= 1:
        return True
    if request.alternatives:
        return False
    return all(count == 1 for count in Counter(r.match for r in rows).values())


def labels(rows: Sequence[Row]) -> list[str]:
    """A label per row that tells it from the others: its location when they differ, else its id."""
    located = len({r.location for r in rows}) > 1
    shown = [_at(r.shown, r.location) if located and r.location else r.shown for r in rows]
    counts = Counter(shown)
    return [f"{s} #{r.id}" if counts[s] > 1 else s for s, r in zip(shown, rows, strict=True)]


def ask_which(
    request: ActionRequest, rows: Sequence[Row], *, item: str, items: str, places: str
) -> ActionClarification:
    """ "“wrap” names 2 items at 2 locations. Which one should I change?" with its options.

    Each option is ``request`` pinned to one row (named by that row alone); the last pins them
    all. ``item``/``items`` name one and several rows, ``places`` several locations.
    """
    count = len(rows)
    words = request.phrase or " or ".join(request.names)
    where = len({r.location for r in rows if r.location})
    at = f" at {where} {places}" if where > 1 else ""
    group = f" (every {item} in {' and '.join(request.names)})" if request.is_group else ""
    every = replace(
        request, ids=tuple(r.id for r in rows), every=True, label=f"All {count} of them"
    )
    if count > MAX_LISTED:
        question = (
            f"“{words}” names {count} {items}{at}{group}, too many to list. Name the one you "
            f"mean more exactly, or change all {count}."
        )
        return ActionClarification(question, (every,))
    one = [
        replace(
            request,
            match_table=request.table,
            names=(row.name,),
            ids=(row.id,),
            alternatives=False,
            every=False,
            label=label,
        )
        for row, label in zip(rows, labels(rows), strict=True)
    ]
    question = f"“{words}” names {count} {items}{at}{group}. Which one should I change?"
    return ActionClarification(question, (*one, every))


def _at(name: str, location: str) -> str:
    """ "Bacon (Classic Burger)" at "Oak Hollow" → "Bacon (Classic Burger, Oak Hollow)"."""
    if name.endswith(")"):
        return f"{name[:-1]}, {location})"
    return f"{name} ({location})"

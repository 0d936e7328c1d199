"""Text → :class:`ActionRequest`: which rows of which catalogued column, and by how much.

:func:`~bot.actions.phrases.read_command` finds the operation and the amount; this module finds
what the remaining words name. Each catalogued table (and group table) has its own fuzzy index
over its name column; every reading is scored (all words accounted for, words covered, exact
over fuzzy over partial, the table named) and the best wins. Several equally good readings
become an :class:`ActionClarification`, none a :class:`~bot.errors.NotFoundError`. One phrase
matching several names ("the salad") stays one request of ``alternatives``: which of their rows
is meant is asked once the rows are read (:mod:`bot.actions.choices`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise
from typing import NoReturn

from bot.actions.catalog import ActionCatalog, ActionSpec, table_label
from bot.actions.phrases import Command, StateVocabulary, read_command
from bot.actions.request import ActionClarification, ActionRequest, Operation
from bot.errors import NotFoundError, ValidationError
from bot.understanding.entities import STOPWORDS, TOKEN, EntityIndex, EntityMatch, normalize
from bot.understanding.model import SemanticModel, singular

QUALITY = {"exact": 3, "fuzzy": 2, "partial": 1}
MAX_OPTIONS = 10
SEPARATORS = frozenset({"and", "plus", "also"})
EVERY = frozenset({"all", "every", "each"})  # the person means every row the words name
EXAMPLES = {
    Operation.SET: "set the {label} of … to …",
    Operation.ADJUST: "raise the {label} of … by 10%",
    Operation.DISABLE: "disable the …",
    Operation.ENABLE: "enable the …",
}
# Words that may stand around a name without naming anything ("... now, thanks"); the places
# of the model's state words ("menu" of "off the menu") are filler too.
FILLER = frozenset({"please", "now", "today", "tonight", "asap", "thanks", "back", "again"})


@dataclass(frozen=True)
class Reading:
    """One way to read the target words: ``spec``'s rows named in ``match_table``."""

    spec: ActionSpec
    match_table: str
    matches: tuple[EntityMatch, ...]
    score: tuple[bool, int, int, bool]  # all words accounted for, covered, quality, table named


def _tokens(text: str) -> list[str]:
    """Words as :class:`EntityIndex` counts them (so match spans index into this list)."""
    return [singular(t.strip("'")) for t in TOKEN.findall(text.lower().replace("-", " "))]


def _a(label: str) -> str:
    return f"{'an' if label[:1] in 'aeiou' else 'a'} {label}"


def _and(words: list[str], last: str = "and") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


class ActionParser:
    """Reads change requests against one model's action catalogue."""

    def __init__(
        self, model: SemanticModel, catalog: ActionCatalog, index: EntityIndex | None = None
    ) -> None:
        self.model = model
        self.catalog = catalog
        self.words = StateVocabulary.of(model)
        self._everything = index  # every nameable value, to say what an unchangeable name is
        tables = {s.table for s in catalog} | {s.group for s in catalog if s.group}
        self._table_words = {
            t: {normalize(w) for w in model.tables[t].words} - {""} for t in tables
        }
        named = {w for words in self._table_words.values() for w in words}
        named |= {w for s in catalog for w in s.words}
        self._blocked = frozenset(t for words in named for t in words.split())
        places = self.words.place_words
        self._allowed = STOPWORDS | FILLER | places | model.generic_words | self._blocked
        self._indexes = {t: self._index(t) for t in tables}

    def _index(self, table: str) -> EntityIndex:
        """An index over ``table``'s name column only."""
        spec = self.model.tables[table]
        column = spec.name_column or ""
        only = replace(spec, columns={column: spec.columns[column]})
        sub = replace(self.model, tables={table: only}, metrics={}, overlay={}, _paths={})
        return EntityIndex(sub, reserved=self._blocked)

    def help(self) -> str:
        """What can be changed and how to ask, from the catalogue."""
        examples = []
        number = next((s for s in self.catalog if s.kind == "number"), None)
        if number is not None:
            amount = "$14.50" if number.format == "money" else "12"
            examples += [f"“set the {number.label} of … to {amount}”", "“raise … by 10%”"]
        if any(s.kind == "toggle" for s in self.catalog):
            examples.append("“disable …”")
        tries = f"; try {_and(examples, 'or')}" if examples else ""
        return f"I can {self.catalog.capabilities(self.model)}{tries}."

    def parse(self, text: str) -> ActionRequest | ActionClarification:
        """The request in ``text``; raises ValidationError or NotFoundError with the reason."""
        command = read_command(text, self.words)
        specs = self.catalog.for_operation(command.operation) if command else ()
        if command is None or not specs:
            raise ValidationError(f"I didn't understand that as a change. {self.help()}")
        amount, percent = self._amount(command)
        specs = self._by_column(specs, command)
        readings = [
            reading
            for spec in specs
            for table in (spec.table, spec.group)
            if table is not None
            for reading in [self._read(spec, table, command.target)]
            if reading is not None
        ]
        best = max((r.score for r in readings), default=None)
        chosen = [r for r in readings if r.score == best and r.score[0]]
        if chosen and chosen[0].score[2] < QUALITY["exact"]:
            # Loose matches in several tables: the table listed first in the catalogue wins;
            # only the very same name in two tables is worth a question.
            chosen = [r for r in chosen if r.match_table == chosen[0].match_table]
        if not chosen:
            self._not_found(specs, command)
        phrase = self._phrase(command.target)
        every = bool(EVERY & set(_tokens(command.target)))
        options = [
            ActionRequest(
                operation=command.operation,
                table=r.spec.table,
                column=r.spec.column,
                kind=r.spec.kind,
                match_table=r.match_table,
                names=names,
                amount=amount,
                percent=percent,
                label=self._label(r, names, len(chosen) > 1, phrase if alternatives else ""),
                text=text,
                phrase=phrase,
                alternatives=alternatives,
                every=every,
            )
            for r in chosen
            for names, alternatives in self._expand(r)
        ]
        if len(options) == 1:
            return options[0]
        if len(options) > MAX_OPTIONS:
            raise ValidationError(
                f"“{self._phrase(command.target)}” matches {len(options)} names; "
                "name the one you mean more exactly."
            )
        tables = {o.match_table for o in options}
        what = table_label(self.model, tables.pop()) if len(tables) == 1 else "one"
        labels = _and([o.label for o in options], "or")
        return ActionClarification(f"Which {what} do you mean: {labels}?", tuple(options))

    def _amount(self, command: Command) -> tuple[float | None, bool]:
        """The signed amount of a number operation (``None`` for switches)."""
        if command.operation in {Operation.DISABLE, Operation.ENABLE}:
            return None, False
        if command.amount is None:
            if command.amount_text:
                raise ValidationError(f"I couldn't read “{command.amount_text}” as an amount.")
            raise ValidationError(
                "How much? Say the amount, e.g. “set the price of … to $14.50” or “raise … by 10%”."
            )
        value, percent = command.amount.value, command.amount.percent
        if command.operation is Operation.SET and percent:
            raise ValidationError("A new value is an amount, not a percentage.")
        if command.sign and value < 0:
            raise ValidationError(
                f"Say the change as a positive amount, not {command.amount.text}."
            )
        if command.operation is Operation.ADJUST and value == 0:
            raise ValidationError("A change of zero changes nothing.")
        return float(value * (command.sign or 1)), percent

    def _by_column(self, specs: tuple[ActionSpec, ...], command: Command) -> tuple[ActionSpec, ...]:
        """Keep the specs whose column the words name ("option price" over "price")."""
        text = f" {normalize(command.target)} "
        named = {s: max((len(w) for w in s.words if f" {w} " in text), default=0) for s in specs}
        longest = max(named.values(), default=0)
        if longest:
            return tuple(s for s in specs if named[s] == longest)
        if command.needs_column:
            raise ValidationError(f"I didn't understand that as a change. {self.help()}")
        return specs

    def _read(self, spec: ActionSpec, table: str, target: str) -> Reading | None:
        matches = tuple(self._indexes[table].find(target, skip=self._blocked))
        if not matches:
            return None
        tokens = _tokens(target)
        covered = {i for m in matches for i in range(*m.span)}
        leftover = [t for i, t in enumerate(tokens) if i not in covered]
        named = f" {normalize(target)} "
        # Several names need "and" between them: "onion rings side" is not two things.
        joined = all(SEPARATORS & set(tokens[a.span[1] : b.span[0]]) for a, b in pairwise(matches))
        score = (
            joined and all(t in self._allowed for t in leftover),
            len(covered),
            min(QUALITY[m.how] for m in matches),
            any(f" {w} " in named for w in self._table_words[table]),
        )
        return Reading(spec, table, matches, score)

    def _expand(self, reading: Reading) -> list[tuple[tuple[str, ...], bool]]:
        """The names of each reading, and whether they are alternatives for one phrase.

        One phrase matching several names is one request of alternatives (its rows are asked
        about together); beside other names, one request per candidate.
        """
        ambiguous = [m for m in reading.matches if m.ambiguous]
        if len(ambiguous) > 1:
            raise ValidationError("Several names match more than one thing; change one at a time.")
        if ambiguous and len(reading.matches) == 1:
            names = tuple(dict.fromkeys(str(c.value) for c in ambiguous[0].candidates))
            return [(names, True)]
        fixed = [str(m.candidates[0].value) for m in reading.matches if not m.ambiguous]
        if not ambiguous:
            return [(tuple(dict.fromkeys(fixed)), False)]
        return [
            (tuple(dict.fromkeys([*fixed, str(c.value)])), False) for c in ambiguous[0].candidates
        ]

    def _label(
        self, reading: Reading, names: tuple[str, ...], across: bool, phrase: str = ""
    ) -> str:
        """How a clarification names this reading; ``phrase`` stands for alternative names."""
        label = f"“{phrase}”" if phrase else _and(list(names))
        if reading.match_table != reading.spec.table:
            plural = table_label(self.model, reading.spec.table, plural=True)
            return (
                f"every {singular(plural)} in {label}" if not across else f"all {plural} in {label}"
            )
        if across:
            return f"{label} ({table_label(self.model, reading.match_table)})"
        return label

    def _phrase(self, target: str) -> str:
        """The words that should have named something, without articles and column words."""
        words = target.split()
        while words and self._free(words[0]):
            words.pop(0)
        while words and self._free(words[-1]):
            words.pop()
        return " ".join(words)

    def _free(self, word: str) -> bool:
        """Whether ``word`` names nothing by itself ("the", "price", "add-on")."""
        return all(t in self._allowed for t in _tokens(word))

    def _not_found(self, specs: tuple[ActionSpec, ...], command: Command) -> NoReturn:
        target = command.target
        phrase = self._phrase(target)
        if not phrase:
            example = EXAMPLES[command.operation].format(label=specs[0].label)
            raise ValidationError(f"Which one? Name it, e.g. “{example}”.")
        changeable = {t for s in specs for t in (s.table, s.group) if t}
        for match in self._everything.find(phrase) if self._everything else ():
            tables = {c.column.partition(".")[0] for c in match.candidates}
            whole = match.span == (0, len(_tokens(phrase)))
            if whole and len(tables) == 1 and not tables & changeable:
                what = table_label(self.model, tables.pop())
                raise ValidationError(
                    f"“{match.candidates[0].label}” is {_a(what)}, which I can't change "
                    f"that way. {self.help()}"
                )
        text = f" {normalize(target)} "
        named = [
            t for s in specs for t in (s.table, s.group)
            if t and any(f" {w} " in text for w in self._table_words[t])
        ]  # fmt: skip
        label = table_label(self.model, named[0] if named else specs[0].table)
        raise NotFoundError(f"I couldn't find {_a(label)} called “{phrase}”.")

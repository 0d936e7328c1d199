"""What a database is about, in words: the subjects, example questions and hints Swoop offers.

Everything here comes from the semantic model (table and metric labels, the model file's
``examples:``), never from code, so help, greetings, scope answers and error hints speak the
words of whatever database Swoop is pointed at. With no model the texts stay generic.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.errors import NotFoundError, SqlGenerationError, SwoopError, UnsupportedQueryError
from bot.understanding.model import SemanticModel, TableSpec, singular

MAX_SUBJECTS = 8  # a sentence people read, not an inventory
MAX_EXAMPLES = 5
MONEY = "money"

# Generic texts, used before a model is loaded (or when it cannot be).
DEFAULT_SUBJECTS = "your data"
DEFAULT_GREETING = "Hi! Ask me about your data in plain words, or say “help” for examples."
DEFAULT_SHAPES = (
    "Ask the way you would ask a colleague: “how many … last week?”, “… by month”, “top 5 … by …”."
)
DEFAULT_FOLLOW_UPS = (
    "Follow up in the same thread: “and the week before?”, “top 3 instead”. "
    "React 👍 or 👎 to tell me how I did."
)


def plural(label: str) -> str:
    """A crude plural for a label's last word (``patient`` → ``patients``); plurals stay."""
    head, _, last = label.rpartition(" ")
    if last.endswith("s"):
        return label
    if last.endswith("y") and last[-2:-1] not in set("aeiou"):
        last = last[:-1] + "ies"
    elif last.endswith(("x", "ch", "sh", "z")):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last


def _is_bridge(table: TableSpec) -> bool:
    """A join table: rows nobody names or dates that only tie other tables together."""
    if table.name_column or table.display_columns or table.time_column:
        return False
    keys = set(table.primary_key) | {c.name for c in table.columns.values() if c.foreign_key}
    links = sum(1 for c in table.columns.values() if c.foreign_key)
    return links >= 2 or set(table.columns) <= keys


def _subject_tables(model: SemanticModel) -> list[TableSpec]:
    return [t for t in model.tables.values() if not _is_bridge(t)]


def fact_tables(model: SemanticModel) -> list[TableSpec]:
    """Tables of things that happen: what metrics measure, then tables with a time column."""
    names = [m.table for m in model.metrics.values()]
    names += [t.name for t in model.tables.values() if t.time_column]
    tables = [model.tables[n] for n in dict.fromkeys(names) if n in model.tables]
    return [t for t in tables if not _is_bridge(t)]


def named_tables(model: SemanticModel) -> list[TableSpec]:
    """Tables whose rows have names: the model's ``unit`` role first, then in model order."""
    preferred = [model.roles[r] for r in ("unit",) if r in model.roles]
    ordered = [model.tables[n] for n in preferred if n in model.tables]
    ordered += [t for t in model.tables.values() if t.name not in preferred]
    return [t for t in ordered if t.name_column and not _is_bridge(t)]


def _money_labels(model: SemanticModel) -> list[str]:
    return [m.label for m in model.metrics.values() if m.format == MONEY]


def _dedup(words: Iterable[str], limit: int) -> list[str]:
    seen: dict[str, str] = {}
    for word in words:
        key = word.strip().lower()
        if key and key not in seen:
            seen[key] = word.strip()
    return list(seen.values())[:limit]


def subject_list(model: SemanticModel) -> list[str]:
    """What the model can answer about, short: the main fact, its money, other facts, the rest.

    Table labels (pluralized) and metric labels in model order, without join tables; e.g.
    ``["orders", "sales", "customers", "ratings", "items", ...]``.
    """
    facts = [plural(t.label) for t in fact_tables(model)]
    money = _money_labels(model)[:1]
    roles = [model.roles[r] for r in ("unit", "hours") if r in model.roles]
    role_tables = [plural(model.tables[n].label) for n in roles if n in model.tables]
    others = [plural(t.label) for t in _subject_tables(model)]
    return _dedup([*facts[:1], *money, *facts[1:], *role_tables, *others], MAX_SUBJECTS)


def sentence(words: list[str]) -> str:
    """``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def subjects_sentence(model: SemanticModel | None) -> str:
    """``"orders, sales, customers, ratings and items"``; ``"your data"`` without a model."""
    words = subject_list(model) if model is not None else []
    return sentence(words) if words else DEFAULT_SUBJECTS


def _dimension(model: SemanticModel, fact: TableSpec | None) -> TableSpec | None:
    """A named table the fact table points at (what its rows are broken down by)."""
    if fact is not None:
        for column in fact.columns.values():
            target = model.tables.get(column.foreign_key[0]) if column.foreign_key else None
            if target is not None and target.name_column and target.name != fact.name:
                return target
    named = [t for t in named_tables(model) if fact is None or t.name != fact.name]
    return named[0] if named else None


def list_question(model: SemanticModel | None) -> str | None:
    """``"list all doctors"``: a question that shows what a name in a question may be."""
    named = named_tables(model) if model is not None else []
    return f"list all {plural(named[0].label)}" if named else None


def _generated_examples(model: SemanticModel) -> list[str]:
    """Questions in the model's words, of shapes the parser answers on any schema."""
    facts = fact_tables(model)
    fact = facts[0] if facts else None
    dimension = _dimension(model, fact)
    examples: list[str] = []
    if fact is not None:
        fact_words = plural(fact.label)
        when = " this month" if fact.time_column else ""
        examples.append(f"how many {fact_words}{' last week' if fact.time_column else ''}")
        if dimension is not None:
            by = f" by {singular(dimension.label)}"
            money = _money_labels(model)
            columns = [c for c in fact.columns.values() if c.format == MONEY]
            measured = [m.label for m in model.metrics.values() if m.table == fact.name]
            if money:
                examples.append(f"{money[0]}{by}{when}")
            else:
                examples.append(f"how many {fact_words}{by}{when}")
                if columns:
                    examples.append(f"total {columns[0].label}{by}")
            if measured:
                examples.append(f"top 5 {plural(dimension.label)} by {measured[0]}")
    listed = list_question(model)
    if listed is not None:
        examples.append(listed)
    if not examples:
        examples += [f"how many {plural(t.label)}" for t in _subject_tables(model)[:2]]
    return _dedup(examples, MAX_EXAMPLES)


def example_questions(model: SemanticModel | None) -> list[str]:
    """The model file's ``examples:``, else questions made from the model's own labels."""
    if model is None:
        return []
    given = [str(e) for e in model.overlay.get("examples") or ()]
    return _dedup(given, MAX_EXAMPLES) if given else _generated_examples(model)


def help_text(model: SemanticModel | None) -> str:
    """The answer to "help": what Swoop answers about, example questions, how to follow up."""
    lines = [f"I answer questions about {subjects_sentence(model)} in plain words."]
    examples = example_questions(model)
    if examples:
        lines[0] += " Try:"
        lines += [f"• {q}" for q in examples]
    else:
        lines.append(DEFAULT_SHAPES)
    lines.append(follow_ups(model))
    return "\n".join(lines)


def follow_ups(model: SemanticModel | None) -> str:
    """How to follow up in a thread, with a breakdown the model has."""
    facts = fact_tables(model) if model is not None else []
    dimension = _dimension(model, facts[0] if facts else None) if model is not None else None
    if dimension is None:
        return DEFAULT_FOLLOW_UPS
    breakdown = f"“break it down by {singular(dimension.label)}”"
    return DEFAULT_FOLLOW_UPS.replace("“top 3 instead”", f"{breakdown}, “top 3 instead”")


def greeting(model: SemanticModel | None) -> str:
    """Hello back, with one question the model can answer."""
    examples = example_questions(model)
    if not examples:
        return DEFAULT_GREETING
    return f"Hi! Ask me about your data, for example “{examples[0]}”."


def scope_answer(model: SemanticModel | None) -> str:
    """The answer to a message about nothing in the data ("tell me a joke")."""
    text = f"I'm Swoop, and I stick to your data: {subjects_sentence(model)}."
    examples = example_questions(model)
    if len(examples) > 1:
        text += f" Ask me something like “{examples[1]}”."
    elif examples:
        text += f" Ask me something like “{examples[0]}”."
    return text


def error_hints(model: SemanticModel | None) -> dict[type[SwoopError], str]:
    """Recovery hints in the model's words, by error class, for errors whose hint is their
    class's generic default (an error raised with its own hint keeps it)."""
    if model is None:
        return {}
    hints: dict[type[SwoopError], str] = {
        UnsupportedQueryError: f"Ask about {subjects_sentence(model)}."
    }
    listed = list_question(model)
    if listed is not None:
        hints[NotFoundError] = f"Check the spelling, or ask “{listed}”."
    examples = example_questions(model)
    if examples:
        hints[SqlGenerationError] = f"Try rephrasing the question, e.g. “{examples[0]}”."
    return hints

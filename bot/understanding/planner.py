"""A Reading of a question (and the previous plan) → a QueryPlan, or a clarification.

Business rules come from the semantic model, never from code: default filters of the fact table
and its parent, finer metrics once rows are split below the metric's table (order → item
lines), the time column nearest to the subject, what "active" means.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.errors import NotFoundError
from bot.understanding.entities import Entity, EntityMatch
from bot.understanding.model import SemanticModel, humanize
from bot.understanding.outcomes import Clarification, ClarificationOption, NotUnderstood
from bot.understanding.parser import Reading
from bot.understanding.plan import Dimension, Filter, Measure, OrderBy, QueryPlan
from bot.understanding.relations import (
    amount_column,
    describes_unit,
    is_above,
    named_child,
    time_column,
)
from bot.understanding.time_words import TimeRange
from bot.understanding.vocabulary import DimensionTarget

AGG_SQL = {"avg": "AVG", "sum": "SUM", "max": "MAX", "min": "MIN", "count": "COUNT"}
AGG_WORDS = {"avg": "average", "sum": "total", "max": "highest", "min": "lowest"}
FOLLOW_UP_CUE = re.compile(
    r"^(and|what about|how about|same|now|ok|okay|also|then|only|just|but|break|split|by|per|"
    r"excluding|exclude|without|except|vs|versus|compare|instead|what if|for|in|at|on|"
    r"show (?:it|that|them) by|can you break)\b"
)
ADDING_CUE = re.compile(r"^(only|just|also|and only|but only)\b|\b(only|just)\b")
MAX_OPTIONS = 5
DEFAULT_TOP = 10


class Planner:
    """Turns Readings into plans over one semantic model."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model

    # -- entry point -----------------------------------------------------------------------------

    def plan(
        self, r: Reading, previous: QueryPlan | None = None
    ) -> QueryPlan | Clarification | NotUnderstood:
        ambiguous = next((m for m, _ in r.entities if m.ambiguous), None)
        if previous is not None and self._is_follow_up(r):
            if ambiguous is not None:
                return self._clarify_entity(ambiguous, lambda f: self._edit(previous, r, f))
            return self._edit(previous, r)
        if r.out_of_scope and not r.understood_anything:
            return NotUnderstood("That is outside what I can answer.", kind="out_of_scope")
        if ambiguous is not None:
            return self._clarify_entity(ambiguous, lambda f: self._fresh_or_default(r, f))
        if r.unknown and not r.entities:
            return NotUnderstood(
                f"I couldn't find “{r.unknown}” in the data.",
                kind="not_found",
                error=NotFoundError(f"I couldn't find “{r.unknown}” in the data."),
            )
        return self._fresh(r)

    def _is_follow_up(self, r: Reading) -> bool:
        cue = bool(FOLLOW_UP_CUE.search(r.original.lower().strip()))
        asks_anew = bool(
            r.metric or r.aggregate or r.listing_cue or r.hours or r.counting
            or r.selling or r.best_selling or r.vague
        )  # fmt: skip
        if asks_anew and not cue:
            return False
        return r.understood_anything

    # -- new questions ---------------------------------------------------------------------------

    def _fresh(
        self, r: Reading, override: Filter | None = None
    ) -> QueryPlan | Clarification | NotUnderstood:
        filters = self._entity_filters(r, override)
        if r.hours and not (r.metric or r.aggregate):
            return self._hours_plan(r, filters)
        metric = self._metric_name(r, filters)
        if metric is None and r.aggregate is None:
            if r.listing or r.table or (r.direction and r.superlative_word):
                listing = self._listing_plan(r, filters)
                if listing is not None:
                    return listing
            return self._clarify_vague(r, filters)
        measures: tuple[Measure, ...]
        if r.aggregate is not None:
            measures = (self._aggregate_measure(*r.aggregate),)
            subject = r.aggregate[1].partition(".")[0]
        else:
            assert metric is not None
            measures = (self._metric_measure(metric),)
            subject = self._metric_table(metric)
        plan = QueryPlan(subject=subject, measures=measures, filters=filters)
        counted = self.model.tables[subject]
        if r.active is not None and counted.active_filter is not None and r.counting:
            active = counted.active_filter
            op = active.op if r.active else _negate(active.op)
            word = "active" if r.active else "disabled"
            plan = plan.with_filter(
                Filter(active.column, op, active.value, word, style="adjective")
            )
        plan = self._add_dimensions(plan, r)
        plan = self._add_numeric(plan, r)
        plan = self._finish(plan, r, metric)
        if r.times:
            plan = replace(plan, time_range=r.times[0])
            if r.comparison:
                compare = r.times[1] if len(r.times) > 1 else r.times[0].shifted(-1)
                plan = replace(plan, compare_to=compare)
        elif r.comparison and r.shift:
            return self._clarify_vague(r, filters)
        return plan

    def _fresh_or_default(
        self, r: Reading, override: Filter
    ) -> QueryPlan | Clarification | NotUnderstood:
        """A clarification option: the question with that value, or its usual number alone."""
        result = self._fresh(r, override)
        if isinstance(result, QueryPlan):
            return result
        role = "units_sold" if describes_unit(self.model, override.column) else "sales"
        metric = self.model.roles.get(role)
        return self._fresh(replace(r, metric=metric), override) if metric else result

    def _metric_name(self, r: Reading, filters: tuple[Filter, ...]) -> str | None:
        metrics = self.model.metrics
        item_level = any(describes_unit(self.model, f.column) for f in filters) or any(
            t.table and describes_unit(self.model, f"{t.table}.x") for t in r.dimensions
        )
        how_much = bool(re.search(r"\bhow much\b", r.original.lower()))
        sold = self.model.roles.get("units_sold")
        sales = self.model.roles.get("sales")
        if r.metric and r.metric == sold and how_much and sales:
            return sales  # "how much have we sold": money, not units
        if r.metric:
            named = metrics.get(r.metric)
            if named and named.format != "count" and r.counted_table and not r.selling:
                return self._count_metric(r.counted_table) or f"count:{r.counted_table}"
            return r.metric
        if r.order_metric:
            return r.order_metric
        if r.busy and self.model.roles.get("volume"):
            return self.model.roles["volume"]
        if r.best_selling and sold:
            return sold
        if r.selling and sales and (how_much or r.selling_money):
            return sales
        if r.selling and sold and (r.counting or item_level):
            return sold
        if r.counting:
            table = r.counted_table or r.table or r.which_table
            if table is None:
                # "how many pickups": count rows of the fact table the value belongs to.
                facts = [
                    f.column.partition(".")[0]
                    for f in filters
                    if self.model.tables[f.column.partition(".")[0]].time_column
                ]
                table = facts[0] if facts else None
            if table is not None:
                return self._count_metric(table) or f"count:{table}"
        return None

    def _metric_table(self, name: str) -> str:
        if name.startswith("count:"):
            return name.partition(":")[2]
        return self.model.metrics[name].table

    def _count_metric(self, table: str) -> str | None:
        """The model's metric that counts rows of ``table``, if it has one."""
        pk = self.model.tables[table].primary_key
        wanted = {f"COUNT(DISTINCT {table}.{pk[0]})", f"COUNT({table}.{pk[0]})"} if pk else set()
        return next(
            (m.name for m in self.model.metrics.values() if m.expr in wanted and not m.filters),
            None,
        )

    # -- measures and dimensions -----------------------------------------------------------------

    def _metric_measure(self, name: str) -> Measure:
        if name.startswith("count:"):
            table = name.partition(":")[2]
            pk = self.model.tables[table].primary_key[0]
            label = self.model.tables[table].label
            return Measure(name, label, f"COUNT(DISTINCT {table}.{pk})", (table,), "count")
        metric = self.model.metrics[name]
        return Measure(name, metric.label, metric.expr, metric.tables, metric.format)

    def _aggregate_measure(self, agg: str, column: str) -> Measure:
        spec = self.model.column(column)
        label = f"{AGG_WORDS[agg]} {spec.label}"
        return Measure(
            f"{agg}:{column}",
            label,
            f"{AGG_SQL[agg]}({column})",
            (spec.table,),
            spec.format or "number",
        )

    def _dimensions_for(self, target: DimensionTarget, subject: str) -> list[Dimension]:
        if target.grain is not None:
            column = time_column(self.model, subject)
            if column is None:
                return []
            return [Dimension(column, target.grain, target.grain)]
        if target.column is not None:
            return [Dimension(target.column, self.model.column(target.column).label)]
        assert target.table is not None
        table = self.model.tables[target.table]
        if len(table.shown_columns) > 1:
            key = f"{table.name}.{table.primary_key[0]}" if table.primary_key else None
            return [
                Dimension(f"{table.name}.{c}", table.columns[c].label, key=key)
                for c in table.shown_columns
            ]
        name = table.shown_columns[0]
        return [Dimension(f"{table.name}.{name}", table.columns[name].label)]

    def _add_dimensions(self, plan: QueryPlan, r: Reading) -> QueryPlan:
        targets = list(r.dimensions)
        implied = r.which_table or (
            r.table if (r.direction or r.best_selling or r.ranking) else None
        )
        if (
            implied
            and not targets
            and implied != plan.subject
            and self.model.tables[implied].shown_columns
        ):
            targets.append(DimensionTarget(table=implied))
        unit = self.model.roles.get("unit")
        if not targets and r.best_selling and unit:
            targets.append(DimensionTarget(table=unit))
        for target in targets:
            for dim in self._dimensions_for(target, plan.subject):
                plan = plan.with_dimension(dim)
        return plan

    def _add_numeric(self, plan: QueryPlan, r: Reading) -> QueryPlan:
        if not r.numeric:
            return plan
        amount = amount_column(self.model, r.table or plan.subject) or amount_column(
            self.model, plan.subject
        )
        for op, value, named in r.numeric:
            column = named or amount
            if column is None:
                continue
            label = f"{self.model.column(column).label} {op} {value:g}"
            plan = plan.with_filter(Filter(column, op, value, label), replace_same_column=False)
        return plan

    def _finish(self, plan: QueryPlan, r: Reading, metric: str | None) -> QueryPlan:
        """Finer metric when rows split, defaults, the time column, order and limit."""
        plan = self._refine_metric(plan)
        plan = self._apply_defaults(plan)
        plan = replace(plan, time_column=time_column(self.model, plan.subject))
        if r.direction and plan.measures and (plan.dimensions or r.limit):
            limit = r.limit or (1 if self._singular_ask(r) else DEFAULT_TOP)
            plan = replace(
                plan,
                order_by=(OrderBy(plan.measures[0].key, r.direction),),
                limit=limit,
            )
        return plan

    def _singular_ask(self, r: Reading) -> bool:
        text = r.original.lower()
        if re.search(r"\b(which|what)\s+\w+\s+(is|was|had|has|did|sold|sells|got)\b", text):
            return True
        return bool(
            re.search(r"\b(the )?(most|best|top|least|worst|busiest|highest|lowest)\b", text)
            and not re.search(r"\b(items|categories|locations|customers|dishes|products|"
                              r"days|hours|months|weeks|sellers|menus|clubs|members)\b", text)
        )  # fmt: skip

    def _refine_metric(self, plan: QueryPlan) -> QueryPlan:
        measures = []
        for measure in plan.measures:
            metric = self.model.metrics.get(measure.key)
            if metric and metric.finer and self._splits_rows(plan, metric.table):
                measure = self._metric_measure(metric.finer)
            measures.append(measure)
        subject = plan.subject
        if measures and measures[0].key in self.model.metrics:
            subject = self.model.metrics[measures[0].key].table
        return replace(plan, measures=tuple(measures), subject=subject)

    def _splits_rows(self, plan: QueryPlan, table: str) -> bool:
        """Whether joining the plan's other tables to ``table`` repeats its rows."""
        others = {f.column.partition(".")[0] for f in plan.filters if not f.default}
        others |= {d.column.partition(".")[0] for d in plan.dimensions}
        for other in others - {table}:
            path = self.model.join_path(table, other) or ()
            if any(self.model.column(f"{s.table}.{s.column}").foreign_key for s in path):
                return True
        return False

    def _apply_defaults(self, plan: QueryPlan) -> QueryPlan:
        metric = self.model.metrics.get(plan.measures[0].key) if plan.measures else None
        fixed = list(metric.filters if metric else ())
        chain = [plan.subject]
        parent = self.model.tables[plan.subject].parent
        if parent and parent in self.model.tables:
            chain.append(parent)
        defaults = [f for t in chain for f in self.model.tables[t].default_filters]
        user_columns = {f.column for f in plan.filters if not f.default}
        user_columns |= {d.column for d in plan.dimensions if d.grain is None}
        kept = [f for f in plan.filters if not f.default]
        for flt in [*fixed, *defaults]:
            if flt.column in user_columns or any(k.column == flt.column for k in kept):
                continue
            kept.append(flt)
        return replace(plan, filters=tuple(kept))

    # -- filters ---------------------------------------------------------------------------------

    def _entity_filters(self, r: Reading, override: Filter | None) -> tuple[Filter, ...]:
        grouped: dict[tuple[str, bool], list[Entity]] = {}
        for match, negated in r.entities:
            if match.ambiguous and override is not None:
                continue
            entity = match.candidates[0]
            grouped.setdefault((entity.column, negated), []).append(entity)
        filters = [self._styled(self._entity_filter(es, neg)) for (_, neg), es in grouped.items()]
        if override is not None:
            filters.append(self._styled(override))
        return tuple(filters)

    def _styled(self, flt: Filter) -> Filter:
        """Word a filter as people would: "completed orders", "at Pebble Creek", "for Burgers"."""
        table = flt.column.partition(".")[0]
        if self.model.column(flt.column).codes and self.model.tables[table].time_column:
            return replace(flt, style="adjective")
        if table == self.model.scope_table:
            return replace(flt, style="at")
        return flt

    @staticmethod
    def _entity_filter(entities: list[Entity], negated: bool) -> Filter:
        labels = " or ".join(e.label for e in entities)
        if len(entities) == 1:
            op = "!=" if negated else "="
            return Filter(
                entities[0].column, op, entities[0].value, ("not " if negated else "") + labels
            )
        op = "not in" if negated else "in"
        return Filter(entities[0].column, op, tuple(e.value for e in entities), labels)

    # -- listings and hours ----------------------------------------------------------------------

    def _listing_plan(self, r: Reading, filters: tuple[Filter, ...]) -> QueryPlan | None:
        subject = self._listing_subject(r, filters)
        if subject is None:
            return None
        table = self.model.tables[subject]
        columns = [f"{subject}.{c}" for c in table.shown_columns]
        money = amount_column(self.model, subject)
        if money:
            columns.append(money)
        if not table.shown_columns:
            columns.insert(0, f"{subject}.{table.primary_key[0]}")
            time = time_column(self.model, subject)
            if time and time.startswith(subject + "."):
                columns.append(time)
        plan = QueryPlan(
            subject=subject, kind="list", columns=tuple(columns), filters=filters, label=table.label
        )
        plan = self._add_numeric(plan, r)
        if r.active is not None and table.active_filter is not None:
            active = table.active_filter
            op = active.op if r.active else _negate(active.op)
            word = "active" if r.active else "disabled"
            plan = plan.with_filter(
                Filter(active.column, op, active.value, word, style="adjective")
            )
        plan = self._apply_defaults(plan) if table.default_filters else plan
        if r.times:
            time = time_column(self.model, subject)
            if time:
                plan = replace(plan, time_column=time, time_range=r.times[0])
        if r.direction and money:
            # The first shown column breaks ties, so every backend returns the same rows.
            order = (OrderBy(money, r.direction), OrderBy(columns[0], "asc"))
            plan = replace(plan, order_by=order, limit=r.limit or 1)
        elif table.sort_column:
            plan = replace(plan, order_by=(OrderBy(columns[0], "asc"),))
        return plan

    def _listing_subject(self, r: Reading, filters: tuple[Filter, ...]) -> str | None:
        entity_tables = [f.column.partition(".")[0] for f in filters]
        subject = r.table or r.which_table
        unit = self.model.roles.get("unit")
        for table in entity_tables:
            if subject is None and table == unit:
                subject = table  # "how much is the club sandwich": the item itself
            elif subject is None or is_above(self.model, subject, table):
                # "what's on the Terrace Room menu": the items under it, else its children.
                below = unit if unit and is_above(self.model, table, unit) else None
                child = below or named_child(self.model, table)
                if child:
                    subject = child
        return subject

    def _hours_plan(self, r: Reading, filters: tuple[Filter, ...]) -> QueryPlan:
        table = self.model.roles["hours"]
        spec = self.model.tables[table]
        scope = self.model.scope_table
        columns = [
            c.qualified for c in spec.columns.values() if c.name not in {"id", "location_id"}
        ]
        if scope and scope in self.model.tables:
            columns.insert(0, f"{scope}.{self.model.tables[scope].shown_columns[0]}")
        return QueryPlan(
            subject=table, kind="list", columns=tuple(columns), filters=filters, label=spec.label
        )

    # -- clarifications --------------------------------------------------------------------------

    def _clarify_entity(self, match: EntityMatch, complete: object) -> Clarification:
        options = []
        for entity in match.candidates[:MAX_OPTIONS]:
            what = self.model.tables[entity.column.partition(".")[0]].label
            flt = Filter(entity.column, "=", entity.value, entity.label)
            result = complete(flt)  # type: ignore[operator]
            plan = result if isinstance(result, QueryPlan) else None
            options.append(ClarificationOption(f"{entity.label} ({_singular(what)})", plan))
        return Clarification(
            f"“{match.text}” matches several things — which one do you mean?", tuple(options)
        )

    def _clarify_vague(
        self, r: Reading, filters: tuple[Filter, ...]
    ) -> Clarification | NotUnderstood:
        if (r.small_talk or r.out_of_scope) and not r.understood_anything:
            kind = "out_of_scope" if r.out_of_scope else "small_talk"
            return NotUnderstood("Not a question about the data.", kind=kind)
        metric_names = list(self.model.metrics)
        if (
            filters
            and "items_sold" in self.model.metrics
            and any(describes_unit(self.model, f.column) for f in filters)
        ):
            metric_names = ["items_sold", "item_revenue"]
        options = []
        when = r.times[0] if r.times else None
        for name in metric_names[:3]:
            if name not in self.model.metrics:
                continue
            plan = self._finish(
                QueryPlan(
                    subject=self._metric_table(name),
                    measures=(self._metric_measure(name),),
                    filters=filters,
                ),
                Reading(original="", text=""),
                name,
            )
            plan = replace(plan, time_range=when or plan.time_range)
            words = self.model.metrics[name].label
            options.append(ClarificationOption(_option_label(words, when), plan))
        reason = "vague" if r.vague or not r.understood_anything else "no_metric"
        return Clarification("What would you like to know?", tuple(options), reason)

    # -- follow-ups ------------------------------------------------------------------------------

    def _edit(
        self, previous: QueryPlan, r: Reading, override: Filter | None = None
    ) -> QueryPlan | Clarification | NotUnderstood:
        plan = previous
        metric = r.metric or r.order_metric
        if r.aggregate:
            plan = replace(plan, measures=(self._aggregate_measure(*r.aggregate),))
        elif metric and plan.kind == "aggregate":
            plan = replace(plan, measures=(self._metric_measure(metric),))
        new_filters = self._entity_filters(r, override)
        adding = bool(ADDING_CUE.search(r.original.lower()))
        for flt in new_filters:
            if not adding:
                plan = self._drop_related_filters(plan, flt.column)
            plan = plan.with_filter(flt)
        plan = self._add_numeric(plan, r)
        for target in r.dimensions:
            for dim in self._dimensions_for(target, plan.subject):
                if dim.grain:
                    plan = replace(
                        plan, dimensions=tuple(d for d in plan.dimensions if d.grain is None)
                    )
                plan = plan.with_dimension(dim)
        if plan.kind == "aggregate":
            base = previous.measures[0].key if previous.measures else None
            coarse = next((m.name for m in self.model.metrics.values() if m.finer == base), None)
            if coarse and not self._splits_rows(plan, self.model.metrics[coarse].table):
                plan = replace(plan, measures=(self._metric_measure(coarse),))
            plan = self._refine_metric(plan)
            plan = replace(plan, filters=tuple(f for f in plan.filters if not f.default))
            plan = self._apply_defaults(plan)
            plan = replace(plan, time_column=time_column(self.model, plan.subject))
            if r.direction and (plan.dimensions or r.limit):
                plan = replace(
                    plan,
                    order_by=(OrderBy(plan.measures[0].key, r.direction),),
                    limit=r.limit or plan.limit or DEFAULT_TOP,
                )
        if r.shift and plan.time_range is not None:
            plan = plan.with_time_range(plan.time_range.shifted(-1))
        if r.times:
            plan = plan.with_time_range(r.times[0])
            if r.comparison:
                compare = r.times[1] if len(r.times) > 1 else r.times[0].shifted(-1)
                plan = replace(plan, compare_to=compare)
        elif r.comparison and plan.time_range is not None:
            plan = replace(plan, compare_to=plan.time_range.shifted(-1))
        return plan

    def _drop_related_filters(self, plan: QueryPlan, column: str) -> QueryPlan:
        table = column.partition(".")[0]
        kept = tuple(
            f
            for f in plan.filters
            if f.default
            or not (f.column == column or self._related(table, f.column.partition(".")[0]))
        )
        return replace(plan, filters=kept)

    def _related(self, a: str, b: str) -> bool:
        """Tables of one family (item → category → menu), the scope table excluded."""
        if self.model.scope_table in {a, b}:
            return False
        entity_like = all(self.model.tables[t].shown_columns for t in (a, b))
        return entity_like and (a == b or is_above(self.model, a, b) or is_above(self.model, b, a))


def _negate(op: str) -> str:
    return {"=": "!=", "!=": "=", "in": "not in", "not in": "in"}.get(op, op)


def _singular(word: str) -> str:
    return humanize(word[:-1] if word.endswith("s") and not word.endswith("ss") else word)


def _option_label(words: str, when: TimeRange | None) -> str:
    label = words[:1].upper() + words[1:]
    return f"{label} {when.label.split(' (')[0]}" if when else label

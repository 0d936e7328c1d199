"""A Reading of a question (and the previous plan) → a QueryPlan, or a clarification.

Business rules come from the semantic model, never from code: default filters of the fact table
and its parent, finer metrics once rows are split below the metric's table (order → item
lines), the time column nearest to the subject, what "active" means.
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import replace

from bot.errors import NotFoundError
from bot.understanding.entities import Entity, EntityMatch
from bot.understanding.model import SemanticModel, humanize
from bot.understanding.outcomes import Clarification, ClarificationOption, NotUnderstood
from bot.understanding.plan import Dimension, Filter, Measure, OrderBy, QueryPlan
from bot.understanding.reading import Breakdown, Reading
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
MAX_OPTIONS = 5
DEFAULT_TOP = 10


DISTINCT_COUNT = re.compile(r"COUNT\(DISTINCT ([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\)", re.I)
MAX_RANK_OPTIONS = 3
JUDGING_SUPERLATIVES = frozenset({"best", "worst", "top", "greatest"})  # best at what?
NUMERIC_WORDS = {">": "over", ">=": "at least", "<": "under", "<=": "at most", "=": "of"}


class Planner:
    """Turns Readings into plans over one semantic model."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model

    # -- entry point -----------------------------------------------------------------------------

    def plan(
        self, r: Reading, previous: QueryPlan | None = None
    ) -> QueryPlan | Clarification | NotUnderstood:
        outcome = self._plan(r, previous)
        if isinstance(outcome, QueryPlan):
            ordered = {o.key for o in outcome.order_by} | {m.key for m in outcome.measures}
            if r.asked.order_metric and not ordered & {r.asked.order_metric, *self._finer(r)}:
                r.drop(r.asked.order_words, "nothing to rank by it")  # "revenue per order"
            for column, words in r.asked.columns:
                if column not in outcome.columns:
                    r.drop(words, "a column the answer does not show")  # "what capital has"
            return self._namesakes(outcome) or outcome
        return outcome

    def _plan(
        self, r: Reading, previous: QueryPlan | None = None
    ) -> QueryPlan | Clarification | NotUnderstood:
        self._narrow_to_places(r)
        ambiguous = next((m for m, _ in r.conditions.entities if m.ambiguous), None)
        if previous is not None and self._is_follow_up(r):
            if ambiguous is not None:
                return self._clarify_entity(ambiguous, lambda f: self._edit(previous, r, f))
            return self._edit(previous, r)
        if r.intent.out_of_scope and not r.understood_anything:
            return NotUnderstood("That is outside what I can answer.", kind="out_of_scope")
        if ambiguous is not None:
            return self._clarify_entity(ambiguous, lambda f: self._fresh_or_default(r, f))
        if r.intent.unknown and not r.conditions.entities:
            return NotUnderstood(
                f"I couldn't find “{r.intent.unknown}” in the data.",
                kind="not_found",
                error=NotFoundError(f"I couldn't find “{r.intent.unknown}” in the data."),
            )
        return self._fresh(r)

    def _is_follow_up(self, r: Reading) -> bool:
        """Only an elliptical or referring message edits the previous plan.

        "how much did it bring in" refers to the previous answer; "how many did we sell in
        april" leaves out what was sold; "how many customers do we have" is complete.
        """
        if r.intent.referring or r.intent.elliptical:
            return True
        if r.intent.follow_up:
            return r.understood_anything
        a = r.asked
        if a.metric or a.aggregate or a.table or a.which_table or a.counted_table or r.intent.hours:
            return False  # it names what it asks for: a complete question
        if r.asks_anew:  # "how many did we sell", "which one is lowest": of the last answer
            return not r.names_subject and bool(
                r.intent.counting or r.intent.selling or r.ranking.direction
            )
        return r.understood_anything

    # -- new questions ---------------------------------------------------------------------------

    def _fresh(
        self, r: Reading, override: Filter | None = None
    ) -> QueryPlan | Clarification | NotUnderstood:
        filters = self._entity_filters(r, override)
        if r.intent.hours and not (r.asked.metric or r.asked.aggregate):
            return self._hours_plan(r, filters)
        ranked_elsewhere = self._ranked_by_other_rows(r)
        if ranked_elsewhere is not None:
            return ranked_elsewhere
        metric = self._metric_name(r, filters)
        if (metric is None or r.asked.rows_of) and r.asked.aggregate is None:
            ranked = self._rank_by_what(r)
            if ranked is not None:
                return ranked
        if metric is None and r.asked.aggregate is None:
            if (
                r.listing
                or r.asked.table
                or (r.ranking.direction and r.ranking.word)
                or r.conditions.numeric  # "beverages over $4": the rows priced so
                or r.asked.columns  # "deborah anderson phone number"
            ):
                listing = self._listing_plan(r, filters)
                if listing is not None:
                    return listing
            return self._clarify_vague(r, filters)
        measures: tuple[Measure, ...]
        if r.asked.aggregate is not None:
            measures = (self._aggregate_measure(*r.asked.aggregate),)
            subject = r.asked.aggregate[1].partition(".")[0]
        else:
            assert metric is not None
            measures = (self._metric_measure(metric),)
            subject = self._metric_table(metric)
        plan = QueryPlan(subject=subject, measures=measures, filters=filters)
        counted = self.model.tables[subject]
        if (
            r.conditions.active is not None
            and counted.active_filter is not None
            and r.intent.counting
        ):
            active = counted.active_filter
            op = active.op if r.conditions.active else _negate(active.op)
            word = "active" if r.conditions.active else "disabled"
            plan = plan.with_filter(
                Filter(active.column, op, active.value, word, style="adjective")
            )
        plan = self._add_dimensions(plan, r)
        plan = self._add_numeric(plan, r)
        plan = self._finish(plan, r, metric)
        split = self._values_compared(plan, r)
        if split is not None:
            return split
        if r.time.ranges:
            plan = replace(plan, time_range=r.time.ranges[0])
            if r.time.comparison:
                compare = (
                    r.time.ranges[1] if len(r.time.ranges) > 1 else r.time.ranges[0].shifted(-1)
                )
                plan = replace(plan, compare_to=compare)
        elif r.time.comparison and r.time.shift:
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
        if metric is None:
            return result
        return self._fresh(replace(r, asked=replace(r.asked, metric=metric)), override)

    def _metric_name(self, r: Reading, filters: tuple[Filter, ...]) -> str | None:
        metrics = self.model.metrics
        if (
            r.asked.rows_of
            and r.intent.listing_cue
            and not (r.intent.counting or r.asked.breakdowns)
        ):
            return None  # "list books by terry pratchett": the rows, not their number
        item_level = any(describes_unit(self.model, f.column) for f in filters) or any(
            b.target.table and describes_unit(self.model, f"{b.target.table}.x")
            for b in r.asked.breakdowns
        )
        how_much = r.intent.how_much
        sold = self.model.roles.get("units_sold")
        sales = self.model.roles.get("sales")
        if r.asked.metric and r.asked.metric == sold and how_much and sales:
            return sales  # "how much have we sold": money, not units
        counted = r.asked.counted_table
        timed = r.asked.time_column.partition(".")[0] if r.asked.time_column else None
        if (
            r.intent.counting
            and timed
            and counted in (None, timed)
            and r.asked.metric in (None, self._count_metric(timed))
        ):
            return self._count_metric(timed) or f"count:{timed}"  # "how many members joined"
        if r.intent.counting and counted:
            who = self._distinct_count_of(counted)
            if who and (r.intent.selling or r.time.ranges):
                return who  # "how many members ordered last month": those who did
            if who and r.asked.metric == who:
                return self._count_metric(counted) or f"count:{counted}"  # "... do we have"
        if r.asked.metric:
            named = metrics.get(r.asked.metric)
            if named and named.format != "count" and r.asked.counted_table and not r.intent.selling:
                return self._count_metric(r.asked.counted_table) or f"count:{r.asked.counted_table}"
            return r.asked.metric
        if r.asked.order_metric:
            return r.asked.order_metric
        if r.ranking.busy and self.model.roles.get("volume"):
            return self.model.roles["volume"]
        if r.ranking.best_selling and sold:
            return sold
        if r.intent.selling and sales and (how_much or r.intent.selling_money):
            return sales
        if r.intent.selling and sold and (r.intent.counting or item_level):
            return sold
        if r.intent.counting:
            table = r.asked.counted_table or r.asked.table or r.asked.which_table
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

    def _distinct_count_of(self, table: str) -> str | None:
        """The metric counting distinct ``table`` rows named by a fact ("customers who ordered")."""
        for metric in self.model.metrics.values():
            found = DISTINCT_COUNT.fullmatch(metric.expr.strip())
            if found is None or metric.filters:
                continue
            spec = self.model.tables.get(found.group(1))
            column = spec.columns.get(found.group(2)) if spec else None
            if column is not None and column.foreign_key and column.foreign_key[0] == table:
                return metric.name
        return None

    def _count_metric(self, table: str) -> str | None:
        """The model's metric that counts rows of ``table``, if it has one."""
        return self.model.count_metric(table)

    # -- measures and dimensions -----------------------------------------------------------------

    def _metric_measure(self, name: str) -> Measure:
        if name.startswith("count:"):
            table = name.partition(":")[2]
            keys = self.model.tables[table].primary_key
            label = self.model.tables[table].label
            expr = f"COUNT(DISTINCT {table}.{keys[0]})" if keys else "COUNT(*)"
            return Measure(name, label, expr, (table,), "count")
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
        targets = [b.target for b in r.asked.breakdowns]
        implied = r.asked.which_table or (
            r.asked.table
            if (r.ranking.direction or r.ranking.best_selling or r.ranking.explicit)
            else None
        )
        if (
            implied
            and not targets
            and implied != plan.subject
            and self.model.tables[implied].shown_columns
        ):
            targets.append(DimensionTarget(table=implied))
        unit = self.model.roles.get("unit")
        if not targets and r.ranking.best_selling and unit:
            targets.append(DimensionTarget(table=unit))
        for target in targets:
            for dim in self._dimensions_for(target, plan.subject):
                plan = plan.with_dimension(dim)
        return plan

    def _add_numeric(self, plan: QueryPlan, r: Reading) -> QueryPlan:
        if not r.conditions.numeric:
            return plan
        amount = amount_column(self.model, r.asked.table or plan.subject) or amount_column(
            self.model, plan.subject
        )
        rows = r.asked.table or r.asked.which_table
        for condition in r.conditions.numeric:
            column = condition.column or amount
            if column is None:
                r.drop(condition.words, "no amount to compare")
                continue
            owner = column.partition(".")[0]
            if rows and rows != owner and is_above(self.model, rows, owner):
                # "customers who spent over $500": a total per customer, not per order
                r.drop(condition.words, "a condition on a total per row")
                continue
            op, value = condition.op, condition.value
            spec = self.model.column(column)
            shown = f"${value:,.2f}".replace(".00", "") if spec.format == "money" else f"{value:g}"
            if op == "=" and value == 0:
                label = f"no {spec.label}"  # "orders with no tip"
            else:
                label = f"{spec.label} {NUMERIC_WORDS.get(op, op)} {shown}"
            plan = plan.with_filter(
                Filter(column, op, value, label, style="with"), replace_same_column=False
            )
        return plan

    def _finish(self, plan: QueryPlan, r: Reading, metric: str | None) -> QueryPlan:
        """Finer metric when rows split, defaults, the time column, order and limit."""
        plan = self._refine_metric(plan)
        plan = self._apply_defaults(plan)
        plan = replace(plan, time_column=time_column(self.model, plan.subject))
        if r.ranking.direction and plan.measures and (plan.dimensions or r.ranking.limit):
            limit = r.ranking.limit or (1 if r.intent.singular else DEFAULT_TOP)
            plan = replace(
                plan,
                order_by=(OrderBy(plan.measures[0].key, r.ranking.direction),),
                limit=limit,
            )
        return plan

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
        for match, negated in r.conditions.entities:
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
        for column, _ in r.asked.columns:
            if column.partition(".")[0] == subject:
                columns.append(column)  # the others are said unused by plan()
        money = amount_column(self.model, subject)
        if money:
            columns.append(money)
        if not table.shown_columns:
            first = table.primary_key[:1] or tuple(table.columns)[:1]  # no key: its first column
            columns[:0] = [f"{subject}.{c}" for c in first]
            time = time_column(self.model, subject)
            if time and time.startswith(subject + "."):
                columns.append(time)
        plan = QueryPlan(
            subject=subject, kind="list", columns=tuple(columns), filters=filters, label=table.label
        )
        plan = self._add_numeric(plan, r)
        if r.conditions.active is not None and table.active_filter is not None:
            active = table.active_filter
            op = active.op if r.conditions.active else _negate(active.op)
            word = "active" if r.conditions.active else "disabled"
            plan = plan.with_filter(
                Filter(active.column, op, active.value, word, style="adjective")
            )
        plan = self._apply_defaults(plan) if table.default_filters else plan
        if r.time.ranges:
            time = time_column(self.model, subject)
            if time:
                plan = replace(plan, time_column=time, time_range=r.time.ranges[0])
        ranked_by = r.ranking.column or money
        if r.ranking.column and r.ranking.column not in columns:
            columns.append(r.ranking.column)
            plan = replace(plan, columns=tuple(columns))
        if r.ranking.direction and ranked_by:
            # The first shown column breaks ties, so every backend returns the same rows.
            order = (OrderBy(ranked_by, r.ranking.direction), OrderBy(columns[0], "asc"))
            plan = replace(plan, order_by=order, limit=r.ranking.limit or 1)
        elif r.ranking.direction and r.ranking.word:
            r.drop(r.ranking.word, "nothing to rank by")  # "the biggest state": by what?
        elif table.sort_column:
            plan = replace(plan, order_by=(OrderBy(columns[0], "asc"),))
        return plan

    def _listing_subject(self, r: Reading, filters: tuple[Filter, ...]) -> str | None:
        entity_tables = [f.column.partition(".")[0] for f in filters]
        subject = r.asked.table or r.asked.which_table or r.asked.rows_of
        if subject is None and r.asked.columns:
            subject = r.asked.columns[0][0].partition(".")[0]  # "whats the email of ..."
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
        columns = [  # keys say nothing to a person: the scope's name is shown instead
            c.qualified
            for c in spec.columns.values()
            if c.name not in spec.primary_key and c.foreign_key is None
        ]
        if scope and scope in self.model.tables:
            columns.insert(0, f"{scope}.{self.model.tables[scope].shown_columns[0]}")
        return QueryPlan(
            subject=table, kind="list", columns=tuple(columns), filters=filters, label=spec.label
        )

    def _values_compared(self, plan: QueryPlan, r: Reading) -> QueryPlan | None:
        """ "pickup vs delivery sales": two values of one column side by side, not two periods."""
        if not r.time.comparison or len(r.time.ranges) > 1:
            return None
        split = next((f for f in plan.filters if f.op == "in" and not f.default and f.column), None)
        if split is None:
            return None
        column = self.model.column(split.column)
        plan = plan.with_dimension(Dimension(split.column, column.label))
        if r.time.ranges:
            plan = replace(plan, time_range=r.time.ranges[0])
        return plan

    def _finer(self, r: Reading) -> set[str]:
        """The order metric's finer and coarser twins (order → item lines) count as it."""
        name = r.asked.order_metric
        metric = self.model.metrics.get(name or "")
        twins = {m.name for m in self.model.metrics.values() if m.finer == name}
        return twins | ({metric.finer} if metric and metric.finer else set())

    def _narrow_to_places(self, r: Reading) -> None:
        """ "lemonade sales at oak hollow": of the lemonades, the one on Oak Hollow's menu."""
        scope = self.model.tables.get(self.model.scope_table or "")
        if scope is None or not scope.name_column or not self.model.available_at:
            return
        places = {
            str(match.candidates[0].value)
            for match, negated in r.conditions.entities
            if not negated
            and not match.ambiguous
            and match.candidates[0].column == f"{scope.name}.{scope.name_column}"
        }
        if not places:
            return
        for i, (match, negated) in enumerate(r.conditions.entities):
            if not match.ambiguous:
                continue
            there = [
                c
                for c in match.candidates
                if places & self.model.available_at.get(c.column, {}).get(str(c.value), set())
            ]
            if len(there) == 1:
                r.conditions.entities[i] = (
                    EntityMatch(match.span, match.text, (there[0],), "exact"),
                    negated,
                )

    # -- clarifications --------------------------------------------------------------------------

    def _ranked_by_other_rows(self, r: Reading) -> QueryPlan | Clarification | NotUnderstood | None:
        """ "which club has the lowest service score": a column of other rows (the ratings)
        ranks the club by their average (their sum for money and counts), one row."""
        column, table = r.ranking.column, r.asked.table
        if column is None or table is None or column.partition(".")[0] == table:
            return None
        spec = self.model.column(column)
        ask = deepcopy(r)
        ask.asked.aggregate = ("sum" if spec.format in {"money", "count"} else "avg", column)
        ask.asked.breakdowns.append(Breakdown(DimensionTarget(table=table), table))
        ask.asked.table = ask.ranking.column = None
        ask.intent.singular = True
        return self._fresh(ask)

    def _rank_by_what(self, r: Reading) -> Clarification | None:
        """ "our best member": best by what? The model's main numbers for those rows."""
        table = r.asked.table or r.asked.which_table or r.asked.rows_of
        word = r.ranking.word
        if (
            table is None
            or word not in JUDGING_SUPERLATIVES
            or r.ranking.by_amount
            or r.ranking.best_selling
            or r.ranking.busy
            or r.asked.order_metric
        ):
            return None
        unit = self.model.roles.get("unit") == table
        roles = ("units_sold", "unit_sales") if unit else ("sales", "volume")
        metrics = [self.model.roles[role] for role in roles if role in self.model.roles]
        if not metrics:  # no roles: the numbers measured on rows that lead to this table
            metrics = [
                name
                for name, spec in self.model.metrics.items()
                if spec.table != table and self.model.join_path(spec.table, table)
            ][:MAX_RANK_OPTIONS]
            metrics += [
                f"count:{fact.name}"
                for fact in self.model.tables.values()
                if fact.time_column
                and fact.primary_key
                and fact.name != table
                and self.model.count_metric(fact.name) is None
                and self.model.join_path(fact.name, table)
            ][: MAX_RANK_OPTIONS - len(metrics)]
        options = []
        for metric in metrics:
            if metric not in self.model.metrics and not metric.startswith("count:"):
                continue
            ask = deepcopy(r)
            ask.asked.order_metric, ask.asked.table = metric, table
            ask.asked.metric = ask.asked.rows_of = None
            ask.ranking.word = None
            plan = self._fresh(ask)
            if isinstance(plan, QueryPlan):
                label = f"{word} by {plan.measures[0].label if plan.measures else metric}"
                options.append(ClarificationOption(label[:1].upper() + label[1:], plan))
        if not options:
            return None
        what = self.model.tables[table].label
        return Clarification(f"The {word} {_singular(what)} by what?", tuple(options), "vague")

    def _namesakes(self, plan: QueryPlan) -> Clarification | None:
        """Two customers named "Angela Allen" are never added together: ask which one.

        Rows under the scope table (a category of the same name on each club's menu) are one
        thing per location, not namesakes.
        """
        for table, groups in self.model.namesakes.items():
            spec = self.model.tables[table]
            scope = self.model.scope_table
            if scope and scope != table and is_above(self.model, scope, table):
                continue
            named = {
                f.column.partition(".")[2]: f
                for f in plan.filters
                if f.column.partition(".")[0] == table and f.op == "=" and not f.default
            }
            if not all(c in named for c in spec.shown_columns):
                continue
            if any(c not in spec.shown_columns for c in named):
                continue  # "nathan sanders nsanders@example.com": another column settles it
            rows = groups.get(tuple(str(named[c].value).lower() for c in spec.shown_columns))
            if not rows:
                continue
            name = " ".join(str(named[c].value) for c in spec.shown_columns)
            kept = tuple(f for f in plan.filters if f not in named.values())
            key = f"{table}.{spec.primary_key[0]}"
            options = tuple(
                ClarificationOption(
                    f"{name} ({hint})",
                    replace(plan, filters=(*kept, Filter(key, "=", value, f"{name} ({hint})"))),
                )
                for value, hint in rows[:MAX_OPTIONS]
            )
            return Clarification(
                f"{len(rows)} {spec.label} are named “{name}” — which one do you mean?",
                options,
                reason="ambiguous",
            )
        return None

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

    def vague_options(self, r: Reading) -> Clarification | None:
        """ "How are we doing at Oak Hollow": the model's main numbers for what was named."""
        found = self._clarify_vague(r, self._entity_filters(r, None))
        if not isinstance(found, Clarification) or not found.options:
            return None
        return replace(found, reason="vague")

    def _clarify_vague(
        self, r: Reading, filters: tuple[Filter, ...]
    ) -> Clarification | NotUnderstood:
        if (r.intent.small_talk or r.intent.out_of_scope) and not r.understood_anything:
            kind = "out_of_scope" if r.intent.out_of_scope else "small_talk"
            return NotUnderstood("Not a question about the data.", kind=kind)
        metric_names = list(self.model.metrics)
        unit_metrics = [
            name
            for name in (self.model.roles.get("units_sold"), self.model.roles.get("unit_sales"))
            if name in self.model.metrics
        ]
        if filters and unit_metrics and any(describes_unit(self.model, f.column) for f in filters):
            metric_names = unit_metrics  # "lemonade last week": units or money of that item
        options = []
        when = r.time.ranges[0] if r.time.ranges else None
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
        reason = "vague" if r.intent.vague or not r.understood_anything else "no_metric"
        return Clarification("What would you like to know?", tuple(options), reason)

    # -- follow-ups ------------------------------------------------------------------------------

    def _edit(
        self, previous: QueryPlan, r: Reading, override: Filter | None = None
    ) -> QueryPlan | Clarification | NotUnderstood:
        plan = previous
        said = tuple(f for f in plan.filters if not f.default)
        if r.intent.price_ask and said and not (r.asked.metric or r.asked.aggregate):
            # "what does it cost": the price of what the previous answer was about
            ask = deepcopy(r)
            ask.asked.table = said[0].column.partition(".")[0]
            listing = self._listing_plan(ask, said)
            if listing is not None:
                return listing
        metric = r.asked.metric or (None if r.ranking.explicit else r.asked.order_metric)
        if metric is None and r.asked.aggregate is None and (r.intent.selling or r.intent.counting):
            # "how much did it bring in": the number asked for, about what was answered
            metric = self._metric_name(r, tuple(f for f in plan.filters if not f.default))
        if r.asked.aggregate:
            plan = replace(plan, measures=(self._aggregate_measure(*r.asked.aggregate),))
        elif metric and plan.kind == "aggregate":
            plan = replace(plan, measures=(self._metric_measure(metric),))
        if plan.measures != previous.measures and plan.kind == "aggregate":
            # "what about tips" after "top 5 customers by spend": ranked by tips now
            old = {m.key for m in previous.measures}
            plan = replace(
                plan,
                order_by=tuple(
                    OrderBy(plan.measures[0].key, o.direction) if o.key in old else o
                    for o in plan.order_by
                ),
            )
        new_filters = self._entity_filters(r, override)
        if not r.intent.adding:
            for flt in new_filters:
                plan = self._drop_related_filters(plan, flt.column)
        for flt in new_filters:
            plan = plan.with_filter(flt)
        plan = self._add_numeric(plan, r)
        pinned = {f.column for f in plan.filters if f.op == "=" and not f.default}
        plan = replace(plan, dimensions=tuple(d for d in plan.dimensions if d.column not in pinned))
        targets = [b.target for b in r.asked.breakdowns]
        if (
            r.intent.singular
            and r.ranking.direction
            and r.ranking.limit is None
            and not plan.dimensions
            and not targets
        ):
            # "which one did we sell the most of": one of the rows the answer was about
            table = said[0].column.partition(".")[0] if said else self.model.roles.get("unit")
            if table in self.model.tables:
                targets = [DimensionTarget(table=named_child(self.model, table) or table)]
        for target in targets:
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
            keys = {m.key for m in plan.measures}
            kept = [o.key for o in previous.order_by if o.key in keys]
            ranked_by = kept[0] if kept else plan.measures[0].key
            if r.ranking.explicit and r.asked.order_metric and not r.asked.metric:
                # "sort by item sales": the answer keeps what it showed and is ordered by it
                if all(m.key != r.asked.order_metric for m in previous.measures):
                    added = self._metric_measure(r.asked.order_metric)
                    plan = replace(plan, measures=(*previous.measures, added))
                plan = self._refine_metric(plan)
                ranked_by = plan.measures[-1].key
            if r.ranking.direction and plan.dimensions:
                top = 1 if r.intent.singular else DEFAULT_TOP
                plan = replace(
                    plan,
                    order_by=(OrderBy(ranked_by, r.ranking.direction),),
                    limit=r.ranking.limit or plan.limit or (None if r.ranking.explicit else top),
                )
            elif r.ranking.direction and r.ranking.word:
                r.drop(r.ranking.word, "nothing to rank: one number")  # "top 3" of one total
        if r.time.shift and plan.time_range is not None:
            plan = plan.with_time_range(plan.time_range.shifted(-1))
        if r.time.ranges:
            plan = plan.with_time_range(r.time.ranges[0])
            if r.time.comparison:
                compare = (
                    r.time.ranges[1] if len(r.time.ranges) > 1 else r.time.ranges[0].shifted(-1)
                )
                plan = replace(plan, compare_to=compare)
        elif r.time.comparison and plan.time_range is not None:
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

"""The SQL guard: every statement Swoop runs for a question passes :class:`SqlGuard` first.

A statement is parsed with sqlglot and allowed only if it is one read-only query built from known
node types, known functions and the tables and columns of the schema. The location scope is
enforced by rewriting every scoped table into a derived table that holds only in-scope rows (values
always bound), and the outermost query is capped at ``row_cap`` rows. Whatever the guard does not
understand is refused, never passed through; what runs is the SQL the guard analysed.
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from bot.data.schema import SchemaInfo
from bot.errors import ConfigError, ValidationError

SQLGLOT_DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres"}
SCOPE_PARAM_PREFIX = "swoop_scope_"
COMPILE_CACHE_SIZE = 256  # analysed statements kept per guard, by (sql, number of scope values)
MAX_OUTPUT_NAME = 63  # PostgreSQL truncates identifiers to 63 bytes
MAX_SQL_CHARS = 100_000  # parsing is linear but not free; no question needs more

# fmt: off
# Node types a read-only question may contain. Everything else (DML, DDL, commands, INTO, locks,
# LATERAL, table samples, hints, JSON and array operators, $1 parameters, ...) is refused, so node
# types added by a future sqlglot fail closed.
ALLOWED_NODES: frozenset[type[exp.Expr]] = frozenset({
    # query structure
    exp.Select, exp.Union, exp.Intersect, exp.Except, exp.With, exp.CTE, exp.Subquery, exp.From,
    exp.Join, exp.Table, exp.TableAlias, exp.Where, exp.Group, exp.Having, exp.Order, exp.Ordered,
    exp.Limit, exp.Offset, exp.Distinct, exp.Values, exp.Window, exp.WindowSpec, exp.Filter,
    exp.WithinGroup,
    # names and values
    exp.Alias, exp.Column, exp.Identifier, exp.Star, exp.Literal, exp.Boolean, exp.Null,
    exp.Placeholder, exp.Paren, exp.Tuple, exp.DataType, exp.DataTypeParam, exp.Interval, exp.Var,
    # operators
    exp.And, exp.Or, exp.Not, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ,
    exp.NullSafeNEQ, exp.Is, exp.In, exp.Between, exp.Exists, exp.Like, exp.ILike, exp.Glob,
    exp.Escape, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg, exp.DPipe, exp.Collate,
    exp.AtTimeZone, exp.Case, exp.If, exp.Cast,
})

# Functions sqlglot knows that answer questions about the data and nothing else. Left out on
# purpose: anything about the server, session or user (version(), current_user, current_schema),
# data generators (randomblob, zeroblob, generate_series: memory and time), and printf/lpad
# (their width argument can build gigabyte strings).
ALLOWED_FUNCTIONS: frozenset[type[exp.Func]] = frozenset({
    # aggregates
    exp.Count, exp.Sum, exp.Avg, exp.Min, exp.Max, exp.GroupConcat, exp.Stddev, exp.StddevPop,
    exp.StddevSamp, exp.Variance, exp.VariancePop, exp.PercentileCont, exp.PercentileDisc,
    # window functions
    exp.RowNumber, exp.Rank, exp.DenseRank, exp.Lag, exp.Lead, exp.FirstValue, exp.LastValue,
    exp.Ntile, exp.PercentRank, exp.CumeDist,
    # conditionals
    exp.Coalesce, exp.Nullif, exp.Greatest, exp.Least,
    # numbers
    exp.Round, exp.Abs, exp.Floor, exp.Ceil, exp.Sign, exp.Sqrt, exp.Pow, exp.Ln, exp.Log,
    exp.Exp, exp.Trunc,
    # text
    exp.Lower, exp.Upper, exp.Length, exp.Substring, exp.Trim, exp.Concat, exp.ConcatWs,
    exp.Replace, exp.StrPosition, exp.Left, exp.Right, exp.Initcap, exp.SplitPart,
    # dates: strftime, date(), date_trunc, extract/date_part, to_char, to_date, now(), ...
    exp.TimeToStr, exp.TsOrDsToTimestamp, exp.Date, exp.TimestampTrunc, exp.DateTrunc,
    exp.Extract, exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime, exp.StrToDate,
    exp.StrToTime, exp.UnixToTime,
})

# Functions sqlglot does not know (exp.Anonymous), by lower-cased name: SQLite's date functions
# and PostgreSQL's date arithmetic. Every other unknown name is refused: pg_sleep, pg_read_file,
# dblink, set_config, nextval, load_extension, readfile, fts3_tokenizer, ...
ALLOWED_ANONYMOUS_FUNCTIONS = frozenset({
    "date", "datetime", "time", "julianday", "unixepoch", "total", "age", "make_date",
    "make_time", "make_timestamp", "make_interval",
})

# Types a CAST may name (not regclass, oid, json, bytea, arrays, user-defined types).
DT = exp.DataType.Type
ALLOWED_TYPES = frozenset({
    DT.INT, DT.BIGINT, DT.SMALLINT, DT.DECIMAL, DT.FLOAT, DT.DOUBLE, DT.TEXT, DT.VARCHAR, DT.CHAR,
    DT.BOOLEAN, DT.DATE, DT.TIME, DT.TIMESTAMP, DT.TIMESTAMPTZ, DT.DATETIME, DT.INTERVAL,
})

# A bare keyword (exp.Var) is allowed only as a date part, an interval unit or a collation.
VAR_PARENTS = (exp.Extract, exp.TimestampTrunc, exp.DateTrunc, exp.Interval, exp.Collate)

# What a refused write or session statement is called in the refusal.
WRITE_LABELS: dict[type[exp.Expr], str] = {
    exp.Insert: "INSERT", exp.Update: "UPDATE", exp.Delete: "DELETE", exp.Merge: "MERGE",
    exp.Create: "CREATE", exp.Drop: "DROP", exp.Alter: "ALTER", exp.TruncateTable: "TRUNCATE",
    exp.Into: "SELECT ... INTO", exp.Lock: "FOR UPDATE / FOR SHARE", exp.Transaction: "BEGIN",
    exp.Commit: "COMMIT", exp.Rollback: "ROLLBACK", exp.Pragma: "PRAGMA", exp.Attach: "ATTACH",
    exp.Detach: "DETACH", exp.Copy: "COPY", exp.Set: "SET",
}
# fmt: on

SYSTEM_PREFIXES = ("sqlite_", "pg_", "information_schema")
TABLE_ARGS = frozenset({"this", "alias"})  # INDEXED BY, ONLY, samples, hints... are refused
AUTO_ALIAS = re.compile(r"_col_\d+")  # what qualify() names unnamed outputs
PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")
COMMENTS = re.compile(r"/\*.*?\*/|--[^\n]*", re.DOTALL)
TOKEN_REPR = re.compile(r"<Token token_type: [^,]+, text: (.*?), line: .*?>")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# SQLAlchemy text()'s bind-parameter pattern (sqlalchemy.sql.elements.TextClause).
TEXT_BIND = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)")
# How qualify() names a column it cannot resolve ("Column 'x' could not be resolved", ...).
COLUMN_ERROR = re.compile(r"(?:Column '|Unknown column: |Ambiguous column ')(?P<name>[^' ]+)")


class GuardRefusal(ValidationError):
    """The guard refused a statement; ``message`` says why in words a person can read."""

    hint = "Swoop runs one read-only query over the tables it knows; try rephrasing the question."


@dataclass(frozen=True)
class GuardedSql:
    """A statement that passed the guard, ready for ``DataAccess.query_to_dataframe_async``."""

    sql: str
    params: dict[str, Any]
    tables: frozenset[str]


@dataclass(frozen=True)
class _Compiled:
    """What one analysed statement needs at each check: its SQL and what to verify per call."""

    sql: str
    placeholders: frozenset[str]
    scope_keys: tuple[tuple[str, bool], ...]  # (literal text or param name, is a param)
    tables: frozenset[str]


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=not PLAIN_NAME.fullmatch(name))


def _is_word(node: exp.Expr) -> bool:
    """Generated verbatim (keywords, :name) or unquoted, so it must be one plain word."""
    return bool(node.args.get("quoted")) or WORD.fullmatch(node.name) is not None


def _is_count(node: exp.Expr | None) -> bool:
    return isinstance(node, exp.Literal) and node.is_int and int(node.this) >= 0


class SqlGuard:
    """Checks and rewrites SQL for one schema, dialect, row cap and scope configuration."""

    def __init__(
        self,
        schema: SchemaInfo,
        *,
        dialect: str,
        row_cap: int = 1000,
        scope_table: str | None = None,
        scope_column: str | None = None,
        allowed_tables: Collection[str] | None = None,
    ) -> None:
        if dialect not in SQLGLOT_DIALECTS:
            raise ConfigError(f"The SQL guard does not support the {dialect} dialect.")
        if row_cap < 1:
            raise ConfigError("The row cap must be at least 1.")
        self.dialect = dialect
        self.row_cap = row_cap
        self._read = SQLGLOT_DIALECTS[dialect]
        self._dialect = Dialect.get_or_raise(self._read)
        self._quoted_is_exact = dialect == "postgresql"  # SQLite folds even quoted names
        self._all_tables = {self._fold(name): name for name in schema.tables}
        self._tables = {
            self._fold(name): name
            for name, table in schema.tables.items()
            if not table.is_view and (allowed_tables is None or name in allowed_tables)
        }
        types = {
            n: {c.name: c.type for c in schema.tables[n].columns} for n in self._tables.values()
        }
        self._columns = {column for columns in types.values() for column in columns}
        self._schema = MappingSchema(dict[str, object](types), dialect=self._read)
        self._scope_table = scope_table
        self._scope_column = scope_column
        self._scope_label = (scope_column or "").removesuffix("_id") or "value"
        self._links = self._scope_links(schema, scope_table, scope_column)
        self._compile: Callable[[str, int | None], _Compiled] = functools.lru_cache(
            maxsize=COMPILE_CACHE_SIZE
        )(self._compile_statement)

    # -- configuration -------------------------------------------------------------------------

    @staticmethod
    def _scope_links(
        schema: SchemaInfo, scope_table: str | None, scope_column: str | None
    ) -> dict[str, tuple[str, tuple[str, str] | None]]:
        """For each scoped table: its linking column and the (table, column) that refers to, or
        ``None`` when the column holds scope values itself. Breadth first, so each table gets its
        shortest foreign-key chain; tables with none stay global."""
        if scope_table is None or scope_column is None:
            return {}
        root = schema.table(scope_table)
        if root is None or len(root.primary_key) != 1:
            raise ConfigError(f"The scope table {scope_table} needs a one-column primary key.")
        base = {n: t for n, t in sorted(schema.tables.items()) if not t.is_view}
        links: dict[str, tuple[str, tuple[str, str] | None]] = {
            scope_table: (root.primary_key[0], None)
        }
        queue = deque([scope_table])
        while queue:
            parent = queue.popleft()
            direct = parent == scope_table  # only scope_column foreign keys tie to it directly
            for name, table in base.items():
                for fk in table.foreign_keys:
                    if name in links or fk.referred_table != parent or len(fk.columns) != 1:
                        continue
                    if not direct or fk.columns == (scope_column,):
                        link = None if direct else (parent, fk.referred_columns[0])
                        links[name] = (fk.columns[0], link)
                        queue.append(name)
        return links

    def _fold(self, name: str | exp.Identifier) -> str:
        """A name as the database resolves it (schema and quoted PostgreSQL names are exact)."""
        exact = not isinstance(name, exp.Identifier) or name.quoted
        text = name if isinstance(name, str) else name.name
        return text if exact and self._quoted_is_exact else text.lower()

    # -- the check -----------------------------------------------------------------------------

    def check(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        scope: Sequence[int | str] | None = None,
    ) -> GuardedSql:
        """Return the statement to run for ``sql``, or raise :class:`GuardRefusal` saying why."""
        bound = dict(params or {})
        reserved = sorted(k for k in bound if k.startswith(SCOPE_PARAM_PREFIX))
        if reserved:
            raise GuardRefusal(
                f"Parameter names starting with {SCOPE_PARAM_PREFIX} are reserved "
                f"for the guard; rename {', '.join(reserved)}."
            )
        if len(sql) > MAX_SQL_CHARS:
            raise GuardRefusal(f"The SQL is longer than {MAX_SQL_CHARS} characters.")
        if scope is not None and len(self._links) == 0:
            raise ConfigError("A scope was given but the guard has no scope table and column.")
        if scope is not None and not scope:
            raise GuardRefusal(f"No {self._scope_label} is in this conversation's scope.")
        try:
            compiled = self._compile(sql, None if scope is None else len(scope))
        except RecursionError as exc:  # sqlglot walks trees recursively
            raise GuardRefusal("The SQL is nested too deeply to be checked.") from exc
        missing = sorted(compiled.placeholders - bound.keys())
        if missing:
            raise GuardRefusal(f"Parameter :{missing[0]} is used in the SQL but has no value.")
        if scope is not None:
            allowed = {str(value) for value in scope}
            for text, is_param in compiled.scope_keys:
                value = bound.get(text) if is_param else text
                if isinstance(value, int | str) and str(value) not in allowed:
                    raise GuardRefusal(
                        f"{self._scope_label.capitalize()} {value} is outside this "
                        "conversation's scope."
                    )
            bound.update((f"{SCOPE_PARAM_PREFIX}{i}", v) for i, v in enumerate(scope))
        return GuardedSql(compiled.sql, bound, compiled.tables)

    def _compile_statement(self, sql: str, scope_size: int | None) -> _Compiled:
        """Parse, check, qualify, scope and cap one statement (cached: it depends on no value)."""
        tree = self._parse(sql)
        self._check_nodes(tree)
        self._check_tables(tree)
        placeholders = frozenset(p.name for p in tree.find_all(exp.Placeholder))
        tree = self._qualify(tree)
        self._name_outputs(tree)
        scope_keys = self._scope_keys(tree)
        base = self._base_tables(tree)
        if scope_size is not None:
            values = [exp.Placeholder(this=f"{SCOPE_PARAM_PREFIX}{i}") for i in range(scope_size)]
            for table in base:
                if self._fold(table.this) in self._links:
                    table.replace(self._scoped(table, values))
        self._cap_rows(tree)
        text = self._generate(tree)
        tables = {self._fold(t.this) for t in self._base_tables(tree)}
        return _Compiled(
            text, placeholders, scope_keys, frozenset(self._all_tables[t] for t in tables)
        )

    def _parse(self, sql: str) -> exp.Expr:
        try:
            statements = [s for s in sqlglot.parse(sql, read=self._read) if s is not None]
        except ParseError as exc:
            first = exc.errors[0] if exc.errors else {}
            where = f" (line {first.get('line')}, column {first.get('col')})" if first else ""
            reason = TOKEN_REPR.sub(r"'\1'", first.get("description") or str(exc))
            raise GuardRefusal(f"The SQL could not be parsed: {reason}{where}.") from exc
        except SqlglotError as exc:
            raise GuardRefusal(f"The SQL could not be parsed: {exc}.") from exc
        if len(statements) != 1:
            raise GuardRefusal(
                "Only one read-only SELECT statement is allowed; "
                f"found {len(statements)} statements."
            )
        root = statements[0]
        while isinstance(root, exp.Subquery) and {k for k, v in root.args.items() if v} == {"this"}:
            root = root.this  # (SELECT ...) is the same query
        if not isinstance(root, exp.Select | exp.SetOperation):
            words = COMMENTS.sub(" ", sql).split()
            found = WRITE_LABELS.get(type(root)) or (words[0] if words else root.key).upper()
            raise GuardRefusal(f"Only read-only SELECT queries are allowed; found {found}.")
        root.pop()  # detach from the parse wrapper so the root has no parent
        return root

    def _check_nodes(self, tree: exp.Expr) -> None:
        """Refuse any node, function, type, keyword or limit outside the allowlists."""
        for node in tree.walk():
            kind = type(node)
            if isinstance(node, exp.Anonymous):
                if node.name.lower() not in ALLOWED_ANONYMOUS_FUNCTIONS:
                    raise GuardRefusal(f"Function {node.name.lower()} is not allowed.")
            elif kind not in ALLOWED_NODES and kind not in ALLOWED_FUNCTIONS:
                if kind in WRITE_LABELS or isinstance(node, exp.Command):
                    found = WRITE_LABELS.get(kind) or node.name.split()[0].upper()
                    raise GuardRefusal(f"Only read-only SELECT queries are allowed; found {found}.")
                if isinstance(node, exp.Func):
                    name = node.sql(self._read).split("(")[0].lower()
                    raise GuardRefusal(f"Function {name} is not allowed.")
                raise GuardRefusal(f"{node.key.upper()} is not allowed in a question's SQL.")
            elif isinstance(node, exp.Var) and not isinstance(node.parent, VAR_PARENTS):
                raise GuardRefusal(f"The keyword {node.name} is not allowed here.")
            elif isinstance(node, exp.Var | exp.Identifier) and not _is_word(node):
                raise GuardRefusal(f"'{node.name}' is not a plain word; quote names like it.")
            elif isinstance(node, exp.Column) and (node.args.get("db") or node.args.get("catalog")):
                raise GuardRefusal(f"Schema-qualified names such as {node.sql()} are not allowed.")
            elif isinstance(node, exp.DataType) and node.this not in ALLOWED_TYPES:
                raise GuardRefusal(f"Casting to {node.sql(self._read)} is not allowed.")
            elif isinstance(node, exp.Limit | exp.Offset) and not _is_count(node.expression):
                raise GuardRefusal(f"{node.key.upper()} must be a whole number written in the SQL.")
            elif isinstance(node, exp.Placeholder) and not _is_word(node):
                raise GuardRefusal("Parameters must be written :name (letters, digits, _).")
            elif isinstance(node, exp.With) and node.parent is not tree:
                raise GuardRefusal("WITH is only allowed at the start of the statement.")
            elif isinstance(node, exp.With) and node.args.get("recursive"):
                raise GuardRefusal("Recursive CTEs (WITH RECURSIVE) are not allowed.")

    def _check_tables(self, tree: exp.Expr) -> None:
        """Refuse system, qualified, unknown and shadowing table names (clear messages first)."""
        for cte in self._ctes(tree):
            name = self._fold(cte.args["alias"].this)
            if name in self._all_tables or name.startswith(SYSTEM_PREFIXES):
                raise GuardRefusal(f"The CTE name {name} is also a table's name; use another.")
        for table in tree.find_all(exp.Table):
            qualifiers = [part.name.lower() for part in table.parts[:-1]]
            extra = sorted(k for k, v in table.args.items() if v and k not in TABLE_ARGS)
            if not isinstance(table.this, exp.Identifier):
                problem = "Table functions such as {} are"
            elif any(n.startswith(SYSTEM_PREFIXES) for n in [table.name.lower(), *qualifiers]):
                problem = "The system table {} is"
            elif qualifiers:
                problem = "Schema-qualified table names such as {} are"
            elif extra:
                problem = f"Table options ({', '.join(extra)}) as in {{}} are"
            else:
                continue
            raise GuardRefusal(problem.format(table.sql(self._read)) + " not allowed.")
        for table in self._base_tables(tree):
            name = self._fold(table.this)
            if name not in self._tables:
                known = name in self._all_tables
                raise GuardRefusal(
                    f"Table {table.name} is not available to questions."
                    if known
                    else f"Unknown table {table.name}."
                )

    @staticmethod
    def _ctes(tree: exp.Expr) -> list[exp.CTE]:
        with_ = tree.args.get("with_") or tree.args.get("with")
        return list(with_.expressions) if isinstance(with_, exp.With) else []

    def _base_tables(self, tree: exp.Expr) -> list[exp.Table]:
        """Table references that read a table rather than a CTE visible at that point."""
        ctes = self._ctes(tree)
        names = [self._fold(cte.args["alias"].this) for cte in ctes]
        base = []
        for table in tree.find_all(exp.Table):
            owner = table.find_ancestor(exp.CTE)
            position = next((i for i, c in enumerate(ctes) if c is owner), len(ctes))
            if self._fold(table.this) not in names[:position]:
                base.append(table)
        return base

    def _qualify(self, tree: exp.Expr) -> exp.Expr:
        """Resolve every column against the schema (unknown or ambiguous ones are refused)."""
        try:
            return qualify(tree, dialect=self._read, schema=self._schema, identify=False)
        except Exception as exc:  # qualify() failing on any input means it is not understood
            message = str(exc).splitlines()[0]
            match = COLUMN_ERROR.search(message)
            if match is None:
                raise GuardRefusal(f"The SQL could not be checked: {message}.") from exc
            if match["name"] not in self._columns:
                raise GuardRefusal(f"Unknown column {match['name']}.") from exc
            raise GuardRefusal(
                f"The column {match['name']} is ambiguous or not on the tables it is used "
                "with; name its table."
            ) from exc

    def _name_outputs(self, tree: exp.Expr) -> None:
        """Name unnamed outputs by their expression, not qualify()'s ``_col_N``."""
        select = tree
        while isinstance(select, exp.SetOperation):
            select = select.this
        if not isinstance(select, exp.Select):
            return
        renames: dict[str, str] = {}
        for projection in select.expressions:
            if isinstance(projection, exp.Alias) and AUTO_ALIAS.fullmatch(projection.alias):
                name = projection.this.sql(self._read)[:MAX_OUTPUT_NAME]
                taken = name in renames.values() or name in select.named_selects
                if not taken and ":" not in name:  # a ':name' would look like a parameter
                    renames[projection.alias] = name
                    projection.set("alias", exp.to_identifier(name, quoted=True))
        order = tree.args.get("order")
        for column in order.find_all(exp.Column) if order and renames else ():
            if not column.table and column.name in renames:
                column.set("this", exp.to_identifier(renames[column.name], quoted=True))

    def _scope_keys(self, tree: exp.Expr) -> tuple[tuple[str, bool], ...]:
        """Values the statement compares the scope key with (``= x``, ``IN (x, y)``)."""
        if not self._links or self._scope_table is None:
            return ()
        key = self._links[self._scope_table][0]
        aliases = {t.alias_or_name: self._fold(t.this) for t in tree.find_all(exp.Table)}
        found: list[tuple[str, bool]] = []
        for column in tree.find_all(exp.Column):
            is_key = column.name == self._scope_column or (
                column.name == key and aliases.get(column.table) == self._scope_table
            )
            parent = column.parent
            if is_key and isinstance(parent, exp.EQ):
                values: Iterable[exp.Expr] = [parent.left, parent.right]
            elif is_key and isinstance(parent, exp.In) and parent.this is column:
                values = parent.expressions
            else:
                continue
            for value in values:
                if isinstance(value, exp.Literal):
                    found.append((str(value.this), False))
                elif isinstance(value, exp.Placeholder):
                    found.append((value.name, True))
        return tuple(found)

    def _scoped(self, table: exp.Table, values: list[exp.Placeholder]) -> exp.Subquery:
        """``table AS t`` → ``(SELECT * FROM table WHERE <in scope>) AS t``."""
        name = self._fold(table.this)
        alias = table.args.get("alias") or exp.TableAlias(this=table.this.copy())
        return exp.Subquery(this=self._in_scope(self._all_tables[name], None, values), alias=alias)

    def _in_scope(
        self, table: str, column: str | None, values: list[exp.Placeholder]
    ) -> exp.Select:
        """``SELECT <column or *> FROM table WHERE`` its link leads to a scope value."""
        link, parent = self._links[table]
        target = exp.column(_ident(link), _ident(table))
        if parent is None:
            condition = target.isin(*(v.copy() for v in values), copy=False)
        else:
            condition = target.isin(query=self._in_scope(*parent, values), copy=False)
        projection = exp.column(_ident(column), _ident(table)) if column else exp.Star()
        select = exp.Select(expressions=[projection])
        select = select.from_(exp.Table(this=_ident(table)), copy=False)
        return select.where(condition, copy=False)

    def _cap_rows(self, tree: exp.Expr) -> None:
        limit = tree.args.get("limit")
        if limit is None or int(limit.expression.this) > self.row_cap:
            tree.set("limit", exp.Limit(expression=exp.Literal.number(self.row_cap)))

    def _generate(self, tree: exp.Expr) -> str:
        """SQL in the target dialect with ``:name`` placeholders, as SQLAlchemy ``text()`` binds."""
        placeholders = list(tree.find_all(exp.Placeholder))
        for placeholder in placeholders:
            # Dialects write placeholders their own way (PostgreSQL: %(name)s); names are
            # plain words (checked), so writing them verbatim is safe.
            placeholder.replace(exp.Var(this=f":{placeholder.name}"))
        generator = self._dialect.generator(comments=False, unsupported_level=ErrorLevel.RAISE)
        try:
            text = generator.generate(tree, copy=False)
        except SqlglotError as exc:
            reason = str(exc).rstrip(".")
            raise GuardRefusal(f"The SQL cannot be written for {self.dialect}: {reason}.") from exc
        binds = TEXT_BIND.findall(text)
        if len(binds) != len(placeholders):  # text() would also bind ':word' inside quotes
            stray = sorted(set(binds) - {p.name for p in placeholders}) or binds
            raise GuardRefusal(
                f"The text ':{stray[0]}' inside a quoted value would be read as a parameter; "
                "pass that value as a parameter instead."
            )
        return text

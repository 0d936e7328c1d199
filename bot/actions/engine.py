"""The action engine: parse a change request, preview it, apply it, undo it.

Reads go through the :class:`~bot.understanding.guard.SqlGuard` with the conversation's scope,
so an action only ever sees (and so only ever changes) rows of the conversation's locations.
Writes run in one transaction through ``DataAccess.execute_action_async``; each statement must
touch exactly the rows the preview showed, still holding the values it showed, or the whole
action rolls back. Confirmation, permissions and the audit log sit on top of this API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.actions.catalog import ActionCatalog, ActionSpec, table_label
from bot.actions.choices import Row, ask_which, settled
from bot.actions.parser import ActionParser
from bot.actions.preview import ActionOutcome, ActionPreview, RowChange, Value
from bot.actions.request import ActionClarification, ActionRequest, Operation, action_name
from bot.actions.statements import MAX_ROWS, binder, select_rows, updates
from bot.actions.values import check_value, describe, new_value, unchanged, value_format
from bot.data.access import DataAccess
from bot.errors import (
    ActionError,
    DatabaseError,
    NotFoundError,
    QueryTimeoutError,
    ValidationError,
)
from bot.sync_twins import SyncTwins, sync_twin
from bot.understanding.entities import EntityIndex
from bot.understanding.guard import SqlGuard
from bot.understanding.model import SemanticModel

Scope = Sequence[int | str] | None


class ActionEngine(SyncTwins):
    """Change requests over one semantic model, data source and action catalogue."""

    def __init__(
        self,
        model: SemanticModel,
        data: DataAccess,
        guard: SqlGuard,
        index: EntityIndex,
        catalog: ActionCatalog,
    ) -> None:
        self.model = model
        self.data = data
        self.guard = guard
        self.index = index
        self.catalog = catalog
        self.parser = ActionParser(model, catalog, index)

    def parse(self, text: str) -> ActionRequest | ActionClarification:
        """What ``text`` asks to change (or which of several things it means).

        Raises :class:`~bot.errors.ValidationError` for anything that is not a change request or
        lacks a readable amount and :class:`~bot.errors.NotFoundError` for an unknown name.
        """
        return self.parser.parse(text)

    # -- preview -------------------------------------------------------------------------------

    async def preview_async(
        self, request: ActionRequest, *, scope: Scope
    ) -> ActionPreview | ActionClarification:
        """Read the rows ``request`` names within ``scope`` and compute every before → after.

        When the words name several rows and the person neither said "all" nor picked them,
        the answer is the question which (:func:`~bot.actions.choices.ask_which`), not a preview.
        """
        spec = self._spec(request.table, request.column, request.operation)
        if request.match_table not in {spec.table, spec.group}:
            raise ValidationError(f"{request.match_table} does not name rows of {spec.table}.")
        if not request.names:
            raise ValidationError("Which one? Name it.")
        rows = await self._rows(spec, request, scope)
        item = table_label(self.model, spec.table)
        items = table_label(self.model, spec.table, plural=True)
        if not rows:
            label = table_label(self.model, request.match_table)
            where = ""
            if scope is not None and self.model.scope_table:
                where = f" among this conversation's {self._places()}"
            named = "” or “".join(request.names)
            raise NotFoundError(f"I couldn't find {_a(label)} called “{named}”{where}.")
        if len(rows) > MAX_ROWS:
            raise ValidationError(
                f"That would change more than {MAX_ROWS} {items}; name fewer at a time."
            )
        proposed = [
            RowChange(
                row.id,
                row.shown,
                row.location,
                row.value,
                new_value(spec, request, row.value, row.shown),
            )
            for row in rows
        ]
        if not settled(request, rows):
            # Refuse now what no choice could make valid; otherwise ask which row.
            self._check(spec, request, proposed, every_row=True)
            return ask_which(request, rows, item=item, items=items, places=self._places())
        changes = self._check(spec, request, proposed, every_row=False)
        return ActionPreview(
            action=action_name(request.operation, spec.column, spec.kind),
            operation=request.operation,
            table=spec.table,
            column=spec.column,
            key=spec.key,
            label=spec.label,
            item_label=item,
            description=describe(request, spec, changes, item=item, items=items),
            changes=changes,
            value_format=value_format(spec),
            scope=None if scope is None else tuple(scope),
            text=request.text,
        )

    def _check(
        self,
        spec: ActionSpec,
        request: ActionRequest,
        proposed: list[RowChange],
        *,
        every_row: bool,
    ) -> tuple[RowChange, ...]:
        """The changes that change something; ValidationError when a new value is not allowed
        (``every_row``: only when no row's is) or nothing would change."""
        named = len(proposed) > 1
        errors: list[ValidationError] = []
        for change in proposed:
            try:
                check_value(spec, change.after, change.name if named else None)
            except ValidationError as exc:
                errors.append(exc)
        if errors and (not every_row or len(errors) == len(proposed)):
            raise errors[0]
        changes = tuple(c for c in proposed if c.after != c.before)
        if not changes:
            items = table_label(self.model, spec.table, plural=True)
            raise ValidationError(unchanged(request, spec, proposed, items))
        return changes

    def _places(self) -> str:
        """How answers name several scope rows ("locations")."""
        scope = self.model.scope_table
        return table_label(self.model, scope, plural=True) if scope else "places"

    async def _rows(self, spec: ActionSpec, request: ActionRequest, scope: Scope) -> list[Row]:
        """The rows as they are now, read through the guard within ``scope``."""
        sql, params = select_rows(
            self.model,
            spec,
            request.match_table,
            request.names,
            self.data.quote_identifier,
            request.ids,
        )
        checked = self.guard.check(sql, params, scope=scope)
        frame = await self.data.query_to_dataframe_async(
            checked.sql, checked.params, row_cap=MAX_ROWS + 1
        )
        rows = []
        for record in frame.to_dict("records"):
            value = {k: _native(v) for k, v in record.items()}
            context, location, key = (
                value.get(k) for k in ("row_context", "row_location", "row_id")
            )
            rows.append(
                Row(
                    key if isinstance(key, int | str) else str(key),
                    str(value["row_name"]),
                    None if context is None else str(context),
                    None if location is None else str(location),
                    value["row_value"],
                    str(value["row_match"]),
                )
            )
        return rows

    # -- apply and undo ------------------------------------------------------------------------

    async def apply_async(self, preview: ActionPreview) -> ActionOutcome:
        """Carry out ``preview`` in one transaction; any surprise rolls all of it back."""
        spec = self._spec(preview.table, preview.column, preview.operation, error=ActionError)
        for change in preview.changes:
            try:
                check_value(spec, change.after, change.name)
            except ValidationError as exc:
                raise ActionError(f"{exc.message} Nothing was changed.") from exc
        return await self._run(spec, preview, undo=False)

    async def undo_async(self, preview: ActionPreview | Mapping[str, Any]) -> ActionOutcome:
        """Put back the values ``preview`` replaced, if its rows still hold the values it set."""
        done = (
            preview
            if isinstance(preview, ActionPreview)
            else ActionPreview.from_dict(dict(preview))
        )
        spec = self._spec(done.table, done.column, done.operation, error=ActionError)
        return await self._run(spec, done.inverse(), undo=True)

    async def _run(self, spec: ActionSpec, preview: ActionPreview, *, undo: bool) -> ActionOutcome:
        if not preview.changes:
            raise ActionError("There is nothing to change.")
        if len(preview.changes) > MAX_ROWS:
            raise ActionError(f"An action changes at most {MAX_ROWS} rows; nothing was changed.")
        statements = updates(
            spec, preview.changes, self.data.quote_identifier, binder(self.model, spec)
        )
        items = table_label(self.model, spec.table, plural=True)
        try:
            result = await self.data.execute_action_async(statements)
        except ActionError as exc:  # a row count differed from the preview's
            raise ActionError(
                f"The {items} changed since I showed you this; nothing was changed — ask again."
            ) from exc
        except QueryTimeoutError as exc:
            raise ActionError(
                "The change took too long and was rolled back; nothing was changed."
            ) from exc
        except DatabaseError as exc:
            raise ActionError(
                f"The change failed and was rolled back; nothing was changed ({exc.message})"
            ) from exc
        return ActionOutcome(preview, sum(result.rowcounts), result.elapsed_ms, undo=undo)

    def _spec(
        self,
        table: str,
        column: str,
        operation: Operation,
        *,
        error: type[ValidationError] | type[ActionError] = ValidationError,
    ) -> ActionSpec:
        """The catalogue entry that allows ``operation`` on ``table.column``."""
        spec = self.catalog.get(table, column)
        if spec is None or operation not in spec.operations:
            raise error(f"Changing {table}.{column} that way is not allowed from chat.")
        return spec

    preview = sync_twin(preview_async)
    apply = sync_twin(apply_async)
    undo = sync_twin(undo_async)


def _a(label: str) -> str:
    return f"{'an' if label[:1] in 'aeiou' else 'a'} {label}"


def _native(value: Any) -> Value:
    """A plain Python value from a DataFrame cell (numpy scalars, NaN → ``None``)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)

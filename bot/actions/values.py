"""New values and their checks: what a row's value becomes, whether that is allowed, in words.

Money and other decimals are computed with :class:`~decimal.Decimal` and rounded half up to the
column's ``decimals`` (cents for prices), so "raise by 10%" on $14.50 is $15.95, not
15.950000000000001.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.actions.catalog import ActionSpec
from bot.actions.preview import RowChange, Value, ValueFormat
from bot.actions.request import ActionRequest, Operation
from bot.errors import ValidationError

VERBS: dict[tuple[Operation, int], str] = {
    (Operation.SET, 0): "Set the {label} of {target} to {amount}",
    (Operation.ADJUST, 1): "Raise the {label} of {target} by {amount}",
    (Operation.ADJUST, -1): "Lower the {label} of {target} by {amount}",
    (Operation.DISABLE, 0): "Turn off {target}",
    (Operation.ENABLE, 0): "Turn on {target}",
}


def value_format(spec: ActionSpec) -> ValueFormat:
    return ValueFormat(spec.format, spec.decimals, spec.on, spec.off)


def new_value(spec: ActionSpec, request: ActionRequest, before: Value, name: str) -> Value:
    """The value ``before`` becomes under ``request`` (rounded to the column's decimals)."""
    if request.operation is Operation.DISABLE:
        return _plain(spec.off)
    if request.operation is Operation.ENABLE:
        return _plain(spec.on)
    if request.amount is None:
        raise ValidationError("How much? Say the amount.")
    amount = Decimal(str(request.amount))
    if request.operation is Operation.SET:
        value = amount
    elif isinstance(before, bool) or not isinstance(before, int | float):
        raise ValidationError(f"The {name} has no {spec.label} to change.")
    elif request.percent:
        value = Decimal(str(before)) * (1 + amount / 100)
    else:
        value = Decimal(str(before)) + amount
    rounded = value.quantize(Decimal(1).scaleb(-spec.decimals), rounding=ROUND_HALF_UP)
    return int(rounded) if spec.integer else float(rounded)


def _plain(value: Any) -> Value:
    return value if isinstance(value, bool | int | float | str) or value is None else str(value)


def check_value(spec: ActionSpec, value: Value, name: str | None = None) -> None:
    """Refuse a number outside the catalogue's ``min``..``max`` (and toggles' other values)."""
    show = value_format(spec)
    if spec.kind == "toggle":
        if value not in (spec.on, spec.off):
            raise ValidationError(f"{show(value)} is not a valid {spec.label}.")
        return
    low, high = spec.minimum, spec.maximum
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or (low is not None and number < low) or (high is not None and number > high):
        where = f" (for {name})" if name else ""
        bounds = [f"at least {show(low)}" if low is not None else "",
                  f"at most {show(high)}" if high is not None else ""]  # fmt: skip
        allowed = " and ".join(b for b in bounds if b)
        raise ValidationError(
            f"{show(value)} is not a valid {spec.label}{where}.",
            hint=f"A {spec.label} must be {allowed}." if allowed else None,
        )


def describe(
    request: ActionRequest,
    spec: ActionSpec,
    changes: tuple[RowChange, ...],
    *,
    item: str,
    items: str,
) -> str:
    """The action in words: "Raise the price of every item in Burgers (3 items) by 10%"."""
    names = list(dict.fromkeys(request.names))
    named = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    count = len(changes)
    many = f"{count} {item if count == 1 else items}"
    if len(request.ids) == 1 and request.label:
        target = request.label  # the row a person picked, as it was offered
    elif request.is_group:
        target = f"every {item} in {named} ({many})"
    elif count > len(names):
        target = f"{named} ({many})"
    else:
        target = named
    amount = ""
    sign = 0
    if request.amount is not None:
        shown = abs(request.amount) if request.operation is Operation.ADJUST else request.amount
        amount = f"{shown:g}%" if request.percent else value_format(spec)(shown)
        sign = (1 if request.amount > 0 else -1) if request.operation is Operation.ADJUST else 0
    return VERBS[(request.operation, sign)].format(label=spec.label, target=target, amount=amount)


def unchanged(request: ActionRequest, spec: ActionSpec, rows: list[RowChange], items: str) -> str:
    """Why nothing would change: "The Club Sandwich is already $14.50."."""
    if request.operation is Operation.ADJUST:
        return f"That would not change any {spec.label}: the amount rounds to nothing."
    value = value_format(spec)(rows[0].after)
    if len(rows) == 1:
        return f"The {rows[0].name} is already {value}."
    return f"All {len(rows)} {items} are already {value}."

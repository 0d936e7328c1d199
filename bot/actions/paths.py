"""Many-to-one join chains: from a row to the rows it belongs to (item → category → menu → ...).

Actions join only upwards along foreign keys, so every changed row appears exactly once in a
preview; ``SemanticModel.join_path`` may also go down (item ← order item → order → location),
which would repeat rows and name the wrong location.
"""

from __future__ import annotations

from collections import deque

from bot.understanding.model import JoinStep, SemanticModel


def upward_path(model: SemanticModel, start: str, goal: str) -> tuple[JoinStep, ...] | None:
    """The shortest chain of foreign keys from ``start`` up to ``goal``, or ``None``."""
    if start == goal:
        return ()
    queue: deque[tuple[str, tuple[JoinStep, ...]]] = deque([(start, ())])
    seen = {start}
    while queue:
        table, path = queue.popleft()
        for column in model.tables[table].columns.values():
            if column.foreign_key is None or column.foreign_key[0] not in model.tables:
                continue
            parent, key = column.foreign_key
            if parent in seen:
                continue
            step = JoinStep(parent, key, table, column.name)
            if parent == goal:
                return (*path, step)
            seen.add(parent)
            queue.append((parent, (*path, step)))
    return None

"""Synchronous twins of async methods.

Every ``*_async`` method of the core has a twin without the suffix that runs it to completion on
one long-lived event loop in a background thread (``_get_event_loop()``). Using one loop for every
sync call keeps pooled connections (which belong to the loop that opened them) reusable, and works
whether or not the calling thread already runs a loop of its own.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="SyncTwins")

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def background_loop() -> asyncio.AbstractEventLoop:
    """The process-wide loop that runs sync twins, started on first use in a daemon thread."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="swoop-sync-twins", daemon=True)
            thread.start()
            _loop = loop
        return _loop


def run_sync(coro: Coroutine[Any, Any, R], loop: asyncio.AbstractEventLoop) -> R:
    """Run ``coro`` on ``loop`` (another thread's) and wait for its result."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coro.close()
        raise RuntimeError(
            "a sync twin was called from its own event loop; await the *_async method"
        )
    return asyncio.run_coroutine_threadsafe(coro, loop).result()


class SyncTwins:
    """Mixin giving a class ``_get_event_loop()`` for its sync twins."""

    def _get_event_loop(self) -> asyncio.AbstractEventLoop:
        return background_loop()


def sync_twin(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[S, P], R]:
    """Make the synchronous twin of an async method: ``query = sync_twin(query_async)``."""

    def twin(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return run_sync(method(self, *args, **kwargs), self._get_event_loop())

    functools.update_wrapper(twin, method)
    twin.__name__ = method.__name__.removesuffix("_async")
    twin.__qualname__ = method.__qualname__.removesuffix("_async")
    twin.__doc__ = f"Synchronous twin of :meth:`{method.__name__}`."
    return twin

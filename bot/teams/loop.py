"""The Teams SDK speaks asyncio; Tend's web process and clock are threads. One event loop per process, on
its own thread, runs the SDK's calls for whichever thread needs them (its HTTP client keeps connections)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _running() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="tend-teams-loop", daemon=True).start()
        return _loop


def run(call: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run one SDK coroutine to its end from any thread (never from the loop's own)."""
    return asyncio.run_coroutine_threadsafe(call, _running()).result(timeout)

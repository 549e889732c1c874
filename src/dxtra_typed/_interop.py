"""Every place dxtra_typed reaches into another library's private or process-wide state.

Each is here because a measured win justifies it (the numbers are in the docstrings and in
docs/design.md), and each has a test in tests/test_dependency_internals.py that fails loudly
when the dependency changes under it, instead of the trick silently doing nothing (or worse).

- ``gc_paused``: the cyclic garbage collector (process-wide) paused while a large response's
  models are built, and the new objects moved to the oldest generation afterwards.
- ``pin_async_library``: sniffio's context variable, set for the length of one async call.
- Not here because they cannot move: ``_aiohttp_transport.AiohttpClient`` overrides httpx's
  private ``_init_transport``/``_init_proxy_transport``, and ``codegen._driver`` patches
  ariadne-codegen's ``ClientGenerator.add_method`` and ``PackageGenerator._get_used_inputs``
  for one generation run. Both are covered by the same test file.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from contextvars import ContextVar, Token
from typing import Final

# Above this body size the cyclic GC is paused while the models are built (see gc_paused).
GC_PAUSE_BYTES: Final = 64 * 1024
_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_we_disabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Build a large response's models without cyclic-GC passes in between.

    Every model instance is a GC-tracked object, so 10,000 rows set off dozens of young
    collections and, in a process with a big heap, full ones that walk all of it; none can
    free anything, since the new objects are all reachable. Measured on a 10,000-row body:
    ~15 ms → ~10 ms. On the way out the new objects (~40,000: instance, ``__dict__``,
    fields-set, UUID per row) go straight to the oldest generation (``_promote_young``)
    instead of being walked by a young collection that can free none of them (~1.4 ms).
    Nested and concurrent pauses are counted; the GC is re-enabled only if it was enabled
    when the first began.
    """
    global _gc_pausers, _gc_we_disabled
    with _gc_lock:
        _gc_pausers += 1
        if _gc_pausers == 1 and gc.isenabled():
            gc.disable()
            _gc_we_disabled = True
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            restore = _gc_pausers == 0 and _gc_we_disabled
            if restore:
                _gc_we_disabled = False
                _promote_young()
                gc.enable()


def _promote_young() -> None:
    """Move every young object to the oldest generation without examining it.

    ``gc.freeze()`` + ``gc.unfreeze()`` splices the generation lists (O(1)): the objects just
    built are then looked at only by a full collection, which would have promoted them
    anyway, and not at all if they are freed first. The few other young objects of the
    process go with them, so a reference cycle among those waits for the next full
    collection. When the application has frozen objects of its own (``gc.freeze()`` before a
    fork, to keep pages shared), unfreezing would release them: then the young generation is
    collected instead, as before.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
    else:
        gc.collect(0)


def pin_async_library() -> tuple[ContextVar[str | None], Token[str | None]] | None:
    """Tell sniffio, for the length of one call, which async library is running.

    httpcore and anyio ask ``sniffio.current_async_library()`` about ten times per request,
    and under plain asyncio each answer is a hunt (a thread-local, a context variable, then
    ``asyncio.current_task()``). Setting sniffio's own context variable (what ``anyio.run``
    and trio do) makes every later answer the first lookup; measured 4-8% of a 3-row async
    call. Asked once here, so the value is whatever sniffio would have said, and reset when
    the call ends so nothing leaks into the caller's context. None when there is nothing to
    do (no sniffio, a library already pinned, or not in an async context).
    """
    try:
        import sniffio
    except ImportError:
        return None
    cvar: ContextVar[str | None] = sniffio.current_async_library_cvar
    if cvar.get() is not None or sniffio.thread_local.name is not None:
        return None
    try:
        name = sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None
    return cvar, cvar.set(name)

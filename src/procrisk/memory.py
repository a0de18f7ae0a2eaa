"""Process memory tuning: transparent huge pages off, and the cyclic collector paused while acyclic objects pile up."""

from __future__ import annotations

import ctypes
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PR_SET_THP_DISABLE = 41  # linux/prctl.h


def allow_huge_pages(allowed: bool) -> bool:
    """Let this process, and the processes it starts, use transparent huge pages or not; True if the kernel agreed.

    numpy and Arrow's allocator ask for 2 MiB pages for big arrays; each fresh one is zeroed whole when first
    touched. On the reference machine (a virtual machine whose host hands back freed memory) that zeroing took a
    third of the CPU of a scoring run, and opting out made scoring and CSV ingest 20-30% faster (docs/performance.md).
    Redis opts out the same way at start. The choice is inherited by forked and executed children. Elsewhere than
    Linux, or where the C library cannot be reached, nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    return prctl(PR_SET_THP_DISABLE, 0 if allowed else 1, 0, 0, 0) == 0


def huge_pages_disabled() -> bool | None:
    """Whether this process is opted out of transparent huge pages (from /proc/self/status); None if unknown."""
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("THP_enabled:"):
                    return line.split()[1] == "0"
    except OSError:
        pass
    return None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small acyclic objects are built.

    Cells read from a sheet, parsed releases, supplier records and their clusters hold no reference cycles, so
    each full collection set off by their allocations only walks them all again: a third of an Excel or OCDS read
    and of a supplier resolution over 200,000 rows (docs/performance.md). Objects are still freed as usual when
    no longer referenced; the collector is switched back on afterwards if it was on, whatever happens.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

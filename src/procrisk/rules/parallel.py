"""Row batches on both cores: read ahead in a background thread, evaluate batches in a small thread pool, in order.

Arrow decodes Parquet and numpy/pyarrow kernels run without the GIL, so threads (not processes) share the work
without copying batches; results come back in input order so that outcome rows stay in table order.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from procrisk.config import parallel_workers

T = TypeVar("T")
R = TypeVar("R")

def default_workers() -> int:
    """Threads that evaluate batches: the ``workers`` setting (``PROCRISK_WORKERS``), else the CPUs, at most 4."""
    return parallel_workers(4)


class Prefetched:
    """Items produced in a background thread from the moment this is created, at most ``ahead`` waiting; iterate
    once. ``close()`` (or leaving a ``with`` block) stops the producer; an error in the producer is raised in the
    consumer."""

    _DONE = object()

    def __init__(self, items: Iterator[T], ahead: int = 1) -> None:
        """Start producing ``items``."""
        self._pending: queue.Queue = queue.Queue(maxsize=max(1, ahead))
        self._stop = threading.Event()
        self._items = items
        self._worker = threading.Thread(target=self._produce, name="procrisk-batch-reader", daemon=True)
        self._worker.start()

    def _offer(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._pending.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._offer(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._offer(exc)
            return
        self._offer(self._DONE)

    def __iter__(self) -> Iterator[T]:
        """The items in order (raises the producer's error)."""
        try:
            while True:
                item = self._pending.get()
                if item is self._DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.close()

    def close(self) -> None:
        """Stop the producer and wait for it."""
        self._stop.set()
        self._worker.join()

    def __enter__(self) -> Prefetched:
        """Use as a context manager that closes the producer."""
        return self

    def __exit__(self, *_: object) -> None:
        """Stop the producer."""
        self.close()


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``fn`` over ``items`` on ``workers`` threads, results in input order, at most ``workers`` in flight.

    With one worker it is a plain loop in this thread. The first error is raised once the batches in flight
    have finished (none is left running in the background).
    """
    if workers <= 1:
        for item in items:
            yield fn(item)
        return
    running: deque[Future[R]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="procrisk-rules") as pool:
        try:
            for item in items:
                running.append(pool.submit(fn, item))
                if len(running) >= workers:
                    yield running.popleft().result()
            while running:
                yield running.popleft().result()
        finally:
            for future in running:
                future.cancel()

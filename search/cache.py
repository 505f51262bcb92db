"""A thread-safe LRU map bounded in bytes, with hit counters: the result caches behind searches.

Entries are weighed when they are put (an estimate of the Python objects and numpy buffers
they hold), and the least recently used go until the total is within the budget, so a cache
holding huge facet-count entries keeps few of them and one of small responses keeps many. The
budgets of all caches come from one setting, `cache_mb` (README: Memory).
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_ATOMS = (str, bytes, int, float, bool, type(None))


def approx_bytes(value: object) -> int:
    """About how many bytes `value` keeps alive: sys.getsizeof over everything it reaches
    through containers, dataclasses and object attributes, numpy buffers by their size. An
    object reached twice is counted once; one shared with other entries is counted in each
    (so the estimate errs high)."""
    total = 0
    seen: set[int] = set()
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            total += sys.getsizeof(item) + (item.nbytes if item.base is not None else 0)
            continue
        total += sys.getsizeof(item)
        if isinstance(item, _ATOMS):
            continue
        if isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif dataclasses.is_dataclass(item):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
        elif hasattr(item, "__dict__"):
            stack.append(vars(item))
    return total


@dataclass(frozen=True)
class CacheStats:
    """A result cache's counters, for stats() and tests."""

    hits: int
    misses: int
    entries: int
    bytes: int
    max_bytes: int


class LruCache(Generic[K, V]):
    """A thread-safe map that forgets its least recently used entries first, keeping the
    weight of what it holds (`weigh`, approx_bytes unless given) within `max_bytes`."""

    def __init__(self, max_bytes: int, weigh: Callable[[V], int] = approx_bytes) -> None:
        self.max_bytes = max_bytes
        self.weigh = weigh
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self._misses += 1
                return None
            self._items.move_to_end(key)
            self._hits += 1
            return found[0]

    def put(self, key: K, value: V) -> None:
        if self.max_bytes <= 0:
            return
        weight = self.weigh(value)
        if weight > self.max_bytes:
            return  # larger than the whole budget: keeping it would evict everything else
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, weight)
            self._bytes += weight
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                self._hits, self._misses, len(self._items), self._bytes, self.max_bytes
            )

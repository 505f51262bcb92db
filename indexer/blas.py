"""The NER model's dense layers on numpy's BLAS instead of thinc's bundled BLIS.

thinc multiplies matrices with the BLIS library it ships, and the BLIS in the published wheel
runs its portable "generic" kernels on every CPU (it prints `selecting sub-configuration
'generic'` with BLIS_ARCH_DEBUG=1 on this machine's AVX-512 EPYC). numpy's OpenBLAS picks
kernels for the CPU it runs on: on the shapes the small English model multiplies (a few
thousand tokens by 96 to 384 columns) it is about four times faster single-threaded, and the
model's whole NER pass about a fifth faster, with the same entities (bench/ner_quality.py and
tests/test_indexer_blas.py check that). Only the Python-level `gemm` is swapped; the parser's inner
loop calls BLIS from C and keeps it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy
from thinc.api import NumpyOps, get_current_ops, set_current_ops

T = TypeVar("T")


class NumpyBlasOps(NumpyOps):
    """thinc's CPU ops with matrix products done by numpy (OpenBLAS)."""

    name = "docsift_numpy_blas"

    def gemm(
        self,
        x: numpy.ndarray,
        y: numpy.ndarray,
        *,
        out: numpy.ndarray | None = None,
        trans1: bool = False,
        trans2: bool = False,
    ) -> numpy.ndarray:
        if trans1:
            x = x.T
        if trans2:
            y = y.T
        if out is None:
            return numpy.dot(x, y)
        numpy.dot(x, y, out=out)
        return out


def with_numpy_blas(load: Callable[[], T]) -> T:
    """Run `load` (building a spaCy pipeline) so its layers keep NumpyBlasOps.

    thinc layers take the current ops when they are built, so the swap only needs to hold
    while the model loads; whatever was current before is restored after.
    """
    previous = get_current_ops()
    set_current_ops(NumpyBlasOps())
    try:
        return load()
    finally:
        set_current_ops(previous)


def single_thread_blas() -> Any:
    """Keep numpy's BLAS to one thread in this process: each NER worker already has a core of
    its own, and a second BLAS thread per worker would only fight the other worker for it."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")

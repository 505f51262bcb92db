"""Tests for indexer.blas: numpy's BLAS under the NER model changes speed, not entities."""

from __future__ import annotations

import numpy
import pytest
from thinc.api import NumpyOps, get_current_ops
from threadpoolctl import threadpool_info

import indexer.ner_model
from indexer.blas import NumpyBlasOps, single_thread_blas
from indexer.ner import load_pipeline, spans_of

TEXTS = [
    "Angela Merkel met Emmanuel Macron in Berlin on Tuesday.\n"
    "The European Commission said talks would resume in March 2025.",
    "DOCKWORKERS UNION ACCEPTS PAY OFFER FROM PORT OF ROTTERDAM",
    "Shares of General Motors Corp rose 12 pct after Reuters reported the deal on Friday.",
    "Mark Rutte, the Nato secretary-general, spoke to Volodymyr Zelenskiy by phone.\n"
    "Dmitry Peskov told reporters in Moscow the Kremlin had no comment.",
]


@pytest.mark.parametrize(("trans1", "trans2"), [(False, False), (True, False), (False, True)])
def test_gemm_gives_thincs_products(trans1: bool, trans2: bool) -> None:
    rng = numpy.random.default_rng(7)
    x = rng.random((40, 30) if not trans1 else (30, 40), dtype="float32")
    y = rng.random((30, 20) if not trans2 else (20, 30), dtype="float32")
    expected = NumpyOps().gemm(x, y, trans1=trans1, trans2=trans2)
    got = NumpyBlasOps().gemm(x, y, trans1=trans1, trans2=trans2)
    assert got.dtype == numpy.float32
    numpy.testing.assert_allclose(got, expected, rtol=1e-5)
    out = numpy.zeros_like(expected)
    assert NumpyBlasOps().gemm(x, y, out=out, trans1=trans1, trans2=trans2) is out
    numpy.testing.assert_allclose(out, expected, rtol=1e-5)


def test_the_model_loads_on_numpy_blas_and_finds_the_same_entities(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = type(get_current_ops())
    fast = load_pipeline()
    assert isinstance(fast.get_pipe("ner").model.ops, NumpyBlasOps)
    assert type(get_current_ops()) is before  # the swap does not leak past loading
    monkeypatch.setattr(indexer.ner_model, "with_numpy_blas", lambda load: load())
    plain = load_pipeline()
    assert not isinstance(plain.get_pipe("ner").model.ops, NumpyBlasOps)
    found = spans_of(fast, TEXTS, 64)
    assert found == spans_of(plain, TEXTS, 64)
    assert any(TEXTS[0][s:e] == "Angela Merkel" for _, s, e in found[0])


def test_a_worker_keeps_numpys_blas_to_one_thread() -> None:
    with single_thread_blas():
        threads = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    assert threads and set(threads) == {1}

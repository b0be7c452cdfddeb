"""PackedRows: the ranking's rows in 4 bytes an entry read back as the matrix they were."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse import random as sparse_random

from papersift.ranking import rows as rows_module
from papersift.ranking.features import FEATURE_COLUMNS, PaperText, build_space
from papersift.ranking.rows import PackedRows


@pytest.fixture(params=["plain kept", "packed only"])
def packed_only(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both ways rows are read: through the kept plain form, and unpacked block by block
    (tiny blocks, so that every product crosses several)."""
    if request.param == "packed only":
        monkeypatch.setattr(rows_module, "KEEP_PLAIN_BELOW", 0)
        monkeypatch.setattr(rows_module, "BLOCK_ENTRIES", 7)
        return True
    return False


def _matrix(seed: int, n: int, columns: int = FEATURE_COLUMNS, density: float = 0.0) -> csr_matrix:
    rng = np.random.default_rng(seed)
    density = density or min(1.0, 40 / columns)
    m = sparse_random(n, columns, density=density, format="csr", dtype=np.float32, rng=rng)
    m.sort_indices()
    return m


def _same(a: csr_matrix, b: csr_matrix, rtol: float = 2e-3) -> bool:
    """Equal up to float16 rounding (compared sparse: dense rows are 4 MB each)."""
    a, b = a.tocsr(), b.tocsr()
    a.sort_indices()
    b.sort_indices()
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.allclose(a.data, b.data, rtol=rtol, atol=1e-6)
    )


def _packed(m: csr_matrix) -> PackedRows:
    packed = PackedRows.pack(m.copy())
    packed.keep_plain_if_small()
    return packed


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 30))
def test_rows_read_back_as_they_were(seed: int, n: int) -> None:
    m = _matrix(seed, n)
    for packed in (PackedRows.pack(m.copy()), _packed(m)):
        back = packed[:]
        assert back.shape == m.shape and back.dtype == np.float32
        assert np.array_equal(back.indptr, m.indptr)
        assert np.array_equal(back.indices, m.indices)  # every column, across all bands
        assert np.allclose(back.data, m.data, rtol=2**-10, atol=1e-7)


def test_products_selection_and_stacking_agree_with_the_matrix(packed_only: bool) -> None:
    m = _matrix(1, 50)
    packed = _packed(m)
    assert (packed._plain is None) == packed_only
    w = np.random.default_rng(2).random(FEATURE_COLUMNS, dtype=np.float32)
    assert np.allclose(packed @ w, m @ w, rtol=1e-3, atol=1e-4)
    plus, minus = packed.products([w, -w])
    assert np.allclose(plus, m @ w, rtol=1e-3, atol=1e-4)
    assert np.allclose(minus, -(m @ w), rtol=1e-3, atol=1e-4)
    picked = np.array([7, 3, 3, 49, 0])
    assert _same(packed[picked], m[picked])
    assert _same(packed[-1], m[49])
    assert _same(packed.select(picked)[:], m[picked])
    with pytest.raises(IndexError):
        packed[np.array([50])]
    stacked = PackedRows.concat([_packed(m[:20]), _packed(m[20:])])
    assert np.array_equal(stacked.data, packed.data) and np.array_equal(stacked.low, packed.low)
    assert np.array_equal(stacked.bands, packed.bands)
    assert np.array_equal(stacked.indptr, packed.indptr)


def test_map_blocks_keeps_what_the_change_leaves(packed_only: bool) -> None:
    m = _matrix(3, 40)
    packed = _packed(m)
    seen: list[int] = []

    def halve(first: int, block: csr_matrix) -> None:
        seen.append(first)
        block.data *= 0.5

    packed.map_blocks(halve)
    assert _same(packed[:], m * 0.5)
    assert len(seen) > 1 if packed_only else seen == [0]


def test_four_bytes_an_entry() -> None:
    m = _matrix(4, 2000, density=300 / FEATURE_COLUMNS)
    packed = PackedRows.pack(m.copy(), half=True)
    plain_bytes = m.data.nbytes + m.indices.nbytes + m.indptr.nbytes
    per_entry = (packed.data.nbytes + packed.low.nbytes) / packed.nnz
    assert per_entry == 4
    assert packed.nbytes < 0.6 * plain_bytes


def test_a_space_ranks_alike_packed_or_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [
        PaperText(f"p{i}", f"graph networks {i % 4} title", f"words {i % 5} nets {i % 3} x{i}")
        for i in range(40)
    ]
    plain = build_space(texts)
    monkeypatch.setattr(rows_module, "KEEP_PLAIN_BELOW", 0)
    monkeypatch.setattr(rows_module, "BLOCK_ENTRIES", 50)
    packed = build_space(texts)
    assert packed.matrix._plain is None and plain.matrix._plain is not None
    # Few rows keep float32 values (exactly the vectorizer's); many are float16.
    assert packed.matrix.half and not plain.matrix.half
    assert _same(packed.matrix[:], plain.matrix[:])
    assert np.allclose(packed.norms, plain.norms, rtol=1e-3)
    packed.extend([PaperText("new", "graph networks", "words nets")])
    plain.extend([PaperText("new", "graph networks", "words nets")])
    packed.reweigh()
    plain.reweigh()
    assert _same(packed.matrix[:], plain.matrix[:])


def test_few_rows_keep_float32_and_many_go_half(monkeypatch: pytest.MonkeyPatch) -> None:
    m = _matrix(5, 30)
    small = PackedRows.pack(m.copy())
    assert not small.half and np.array_equal(small[:].data, m.data)  # exact
    monkeypatch.setattr(rows_module, "KEEP_PLAIN_BELOW", m.nnz)
    assert PackedRows.pack(m.copy()).half
    # Stacking small float32 parts into many rows halves them; a float16 part stays so.
    assert PackedRows.concat([PackedRows.pack(m[:10].copy()), small.select(np.arange(30))]).half
    monkeypatch.setattr(rows_module, "KEEP_PLAIN_BELOW", 10 * m.nnz)
    assert not PackedRows.concat([PackedRows.pack(m[:10].copy()), small]).half
    assert PackedRows.concat([PackedRows.pack(m[:10].copy(), half=True), small]).half

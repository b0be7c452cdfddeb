"""Feature rows kept in half the memory of a sparse matrix: `PackedRows`.

A SciPy CSR matrix spends 8 bytes on each stored entry (a float32 value, an int32
column). At 100k papers the ranking's rows hold ~31M entries: 240 MB, most of the
ranking's memory. `PackedRows` keeps each entry in 4 bytes:

* the value as float16 (rows are L2-normalised TF-IDF: values in (0, 1], where float16's
  relative error of 0.05% changes no ranking) -- but as float32 while the rows are few
  (`KEEP_PLAIN_BELOW` entries): a simulation's or a small library's rows are exactly
  what scikit-learn's vectorizer gives,
* the low 16 bits of its column as uint16, and
* per row, how many of its entries fall in each band of 2**16 columns (the columns of a
  row are sorted, so the bands are consecutive): 16 small counts a row, not a byte an
  entry.

Reading rows back (`rows[r]`, for fitting, explaining, similarity) gives an ordinary
float32 CSR matrix; `rows @ w` scores every row block by block, so a transient copy is
a block, never the whole matrix (and the GIL is given up between blocks, so a
background refit does not stall the app's keystrokes for the whole product). Small
spaces (a simulation's few thousand records) also keep their unpacked form, so that
their thousands of products run at SciPy's speed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from papersift.foreground import FOREGROUND

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["BAND_BITS", "KEEP_PLAIN_BELOW", "PackedRows"]

#: Columns are split into bands of 2**BAND_BITS; an entry stores its column within one.
BAND_BITS = 16
#: Rows with fewer stored entries than this also keep their plain CSR form (at most
#: 8 bytes × this: 48 MB): a simulation's thousands of products then cost no unpacking.
KEEP_PLAIN_BELOW = 6_000_000
#: Entries unpacked at a time by `@` and `map_blocks` (~4 MB of transient arrays).
#: Small enough that no single NumPy/SciPy call on a block holds the GIL for more than
#: a few ms (a refit's product, behind the UI thread); the block overhead is ~50 µs.
BLOCK_ENTRIES = 250_000

_LOW_MASK = (1 << BAND_BITS) - 1


def _value_type(nnz: int, half: bool | None) -> type[np.floating]:
    if half is None:
        half = nnz >= KEEP_PLAIN_BELOW
    return np.float16 if half else np.float32


class PackedRows:
    """`n` rows × `columns` columns of float values, 4 bytes a stored entry.

    Offers what the ranking needs of a matrix: `shape`, `nnz`, `rows[r]` (a CSR matrix
    of the rows `r`: an int, a slice or an array of row numbers) and `rows @ w` (its product
    with a vector; `products` for several in one pass).
    """

    __slots__ = ("_plain", "bands", "columns", "data", "indptr", "low")

    def __init__(
        self,
        data: np.ndarray,
        low: np.ndarray,
        bands: np.ndarray,
        indptr: np.ndarray,
        columns: int,
    ) -> None:
        self.data = data
        self.low = low
        self.bands = bands
        self.indptr = indptr
        self.columns = columns
        self._plain: csr_matrix | None = None

    # ------------------------------------------------------------------ making

    @classmethod
    def pack(cls, matrix: csr_matrix, half: bool | None = None) -> PackedRows:
        """`matrix` (CSR, any float type) packed. Its columns get sorted in place.

        Values are float16 when `half`, float32 when not; by default float16 from
        `KEEP_PLAIN_BELOW` entries."""
        matrix.sort_indices()
        columns = int(matrix.shape[1])
        n_bands = max(1, -(-columns >> BAND_BITS))
        n = int(matrix.shape[0])
        indices = matrix.indices
        row_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(matrix.indptr))
        counts = np.bincount(
            row_of * n_bands + (indices >> BAND_BITS), minlength=n * n_bands
        ).reshape(n, n_bands)
        del row_of
        # A band holds at most 2**16 columns, so a row's count in it fits in uint32
        # always and in uint16 unless a row has all 65,536 columns of a band.
        bands = counts.astype(np.uint16 if counts.max(initial=0) <= 0xFFFF else np.uint32)
        return cls(
            data=matrix.data.astype(_value_type(matrix.nnz, half)),
            low=(indices & _LOW_MASK).astype(np.uint16),
            bands=bands,
            indptr=np.asarray(matrix.indptr, dtype=np.int64),
            columns=columns,
        )

    @property
    def half(self) -> bool:
        """Whether values are kept as float16."""
        return self.data.dtype == np.float16

    @classmethod
    def empty(cls, columns: int) -> PackedRows:
        """No rows."""
        n_bands = max(1, -(-columns >> BAND_BITS))
        return cls(
            data=np.zeros(0, dtype=np.float32),
            low=np.zeros(0, dtype=np.uint16),
            bands=np.zeros((0, n_bands), dtype=np.uint16),
            indptr=np.zeros(1, dtype=np.int64),
            columns=columns,
        )

    @classmethod
    def concat(cls, parts: list[PackedRows]) -> PackedRows:
        """`parts` one under the other, emptying the list as they are copied (the peak
        is the result plus one part, not twice the result)."""
        if not parts:
            raise ValueError("nothing to stack")
        columns = parts[0].columns
        nnz = sum(p.nnz for p in parts)
        n = sum(p.n_rows for p in parts)
        band_type = np.uint32 if any(p.bands.dtype == np.uint32 for p in parts) else np.uint16
        # float32 only while every part is and the whole stays small.
        half = any(p.data.dtype == np.float16 for p in parts) or None
        data = np.empty(nnz, dtype=_value_type(nnz, half))
        low = np.empty(nnz, dtype=np.uint16)
        bands = np.empty((n, parts[0].bands.shape[1]), dtype=band_type)
        indptr = np.zeros(n + 1, dtype=np.int64)
        at = row = 0
        parts.reverse()
        while parts:
            part = parts.pop()
            data[at : at + part.nnz] = part.data
            low[at : at + part.nnz] = part.low
            bands[row : row + part.n_rows] = part.bands
            indptr[row + 1 : row + 1 + part.n_rows] = part.indptr[1:] + at
            at += part.nnz
            row += part.n_rows
            del part
        return cls(data, low, bands, indptr, columns)

    def select(self, rows: np.ndarray) -> PackedRows:
        """The rows `rows` (row numbers, in that order), still packed."""
        rows = np.asarray(rows, dtype=np.int64)
        positions = self._positions(rows)
        lengths = self.indptr[rows + 1] - self.indptr[rows]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        return PackedRows(
            self.data[positions], self.low[positions], self.bands[rows], indptr, self.columns
        )

    # ------------------------------------------------------------------ reading

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_rows, self.columns)

    @property
    def nnz(self) -> int:
        return len(self.data)

    @property
    def nbytes(self) -> int:
        """Bytes the packed arrays hold (not counting a kept plain form)."""
        return self.data.nbytes + self.low.nbytes + self.bands.nbytes + self.indptr.nbytes

    def __getitem__(self, rows: int | slice | Sequence[int] | np.ndarray) -> csr_matrix:
        """The rows `rows` as a float32 CSR matrix (one row for an int)."""
        if self._plain is not None:
            return self._plain[rows]
        if isinstance(rows, slice):
            start, stop, step = rows.indices(self.n_rows)
            if step == 1:
                return self._unpack(start, stop)
            rows = np.arange(start, stop, step)
        picked = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        if len(picked) and (picked.min() < -self.n_rows or picked.max() >= self.n_rows):
            raise IndexError("row number out of range")
        picked = np.where(picked < 0, picked + self.n_rows, picked)
        return self.select(picked)._unpack(0, len(picked))

    def __matmul__(self, w: np.ndarray) -> np.ndarray:
        """Every row's product with the vector `w` (`columns` values)."""
        return self.products([w])[0]

    def products(self, vectors: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Every row's product with each of `vectors`, in one pass over the rows.

        (Vectors, not a `columns × k` array: SciPy's product with a strided array takes
        several times as long as one product a vector.)"""
        vectors = [np.ascontiguousarray(v) for v in vectors]
        if self._plain is not None:
            return [np.asarray(self._plain @ v) for v in vectors]
        outs = [np.empty(self.n_rows, dtype=np.result_type(v.dtype, np.float32)) for v in vectors]
        for start, stop in self._blocks():
            block = self._unpack(start, stop)
            for out, vector in zip(outs, vectors, strict=True):
                out[start:stop] = block @ vector
        return outs

    def map_blocks(self, change: Callable[[int, csr_matrix], None]) -> None:
        """Call `change(first_row, block)` on each block of rows unpacked, and keep the
        values it leaves in `block.data` (the columns must stay as they are)."""
        for start, stop in self._blocks():
            block = self._unpack(start, stop)
            change(start, block)
            self.data[self.indptr[start] : self.indptr[stop]] = block.data
        self._plain = None
        self.keep_plain_if_small()

    def keep_plain_if_small(self) -> None:
        """Keep the unpacked form too when the rows are few (`KEEP_PLAIN_BELOW`)."""
        if self._plain is None and self.nnz < KEEP_PLAIN_BELOW:
            self._plain = self._unpack(0, self.n_rows)

    # ------------------------------------------------------------------ inside

    def _blocks(self) -> Iterator[tuple[int, int]]:
        n = self.n_rows
        start = 0
        while start < n:
            # A refit behind the UI steps aside while a keystroke is being answered.
            FOREGROUND.wait()
            target = self.indptr[start] + BLOCK_ENTRIES
            stop = int(np.searchsorted(self.indptr, target, side="right")) - 1
            stop = min(n, max(stop, start + 1))
            yield start, stop
            start = stop

    def _positions(self, rows: np.ndarray) -> np.ndarray:
        """The entry positions of `rows`, row after row."""
        starts = self.indptr[rows]
        lengths = self.indptr[rows + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        # Each position is its row's start plus its rank within the row.
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        return offsets + np.arange(total, dtype=np.int64)

    def _unpack(self, start: int, stop: int) -> csr_matrix:
        """Rows `start:stop` as a float32 CSR matrix."""
        from scipy.sparse import csr_matrix

        lo, hi = int(self.indptr[start]), int(self.indptr[stop])
        n_bands = self.bands.shape[1]
        band = np.repeat(
            np.tile(np.arange(n_bands, dtype=np.int32), stop - start),
            self.bands[start:stop].ravel(),
        )
        indptr = self.indptr[start : stop + 1] - lo
        if hi - lo < 2**31:
            indptr = indptr.astype(np.int32)
        # The arrays are valid by construction: set them on an empty matrix rather than
        # pass them to the constructor, whose checks scan every entry (half the time of
        # an unpacking).
        block = csr_matrix((stop - start, self.columns), dtype=np.float32)
        block.data = self.data[lo:hi].astype(np.float32)
        block.indices = (band << BAND_BITS) | self.low[lo:hi]
        block.indptr = indptr
        return block

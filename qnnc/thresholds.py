"""Integer thresholds from a monotone activation function, derived on the integer domain.

A quantized layer maps an integer accumulator `acc` to an integer output code through float ops
(scale, bias, BatchNorm, ReLU, quantizer). Per channel that map `f` is monotone, so it equals
counting thresholds: `f(acc) = base + #{k : acc >= T[k]}` (non-decreasing channel) or
`base + #{k : acc <= T[k]}` (non-increasing channel, e.g. a negative scale).

The thresholds are found by bisection on the *reference function itself*, evaluated on integer
accumulator values, never by inverting the float algebra (which can round the other way at a
tie). The result is then checked against `f` on every boundary and on sample points; a channel
where counting thresholds does not reproduce `f` (a non-monotone map) raises `NotThresholdable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Levels = Callable[[np.ndarray], np.ndarray]
"""f: int64 array (M, C) of accumulator values → int64 array (M, C) of output levels."""


class NotThresholdable(Exception):
    """The activation is not a monotone step function of the accumulator."""


@dataclass(frozen=True)
class Thresholds:
    thresholds: np.ndarray  # (C, K) int64; ascending per ascending channel, descending otherwise
    descending: np.ndarray  # (C,) bool
    base: int  # output for count 0


MAX_LEVELS = 2**12
"""Most thresholds per channel derive_thresholds builds (a 12-bit activation): a streaming
threshold unit compares against all of them, and deriving and checking a wider table takes
gigabytes, so wider activations are refused rather than attempted."""

CHECK_CHUNK = 2**24
"""Elements (points x channels x thresholds) `apply_thresholds` compares at a time."""


def _eval(f: Levels, acc_ck: np.ndarray) -> np.ndarray:
    """f on a (C, K) grid of accumulator values (column k evaluated as one batch row). A level
    that is NaN or infinite (a model computing NaN, e.g. a negative BatchNorm variance) has no
    threshold: refused rather than cast to a garbage integer."""
    levels = np.asarray(f(np.ascontiguousarray(acc_ck.T)))
    if not np.all(np.isfinite(levels)):
        raise NotThresholdable("the activation is NaN or infinite for some accumulator values")
    return levels.astype(np.int64).T


def derive_thresholds(f: Levels, lo: np.ndarray, hi: np.ndarray, base: int | None = None,
                      top: int | None = None, samples: int = 4096, seed: int = 0) -> Thresholds:
    """Thresholds reproducing f on every integer acc in [lo[c], hi[c]] (per channel c).

    base/top force the output level range (e.g. a bipolar output always uses levels 0..1);
    by default it is the range f reaches."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    c = lo.shape[0]
    f_lo = _eval(f, lo[:, None])[:, 0]
    f_hi = _eval(f, hi[:, None])[:, 0]
    desc = f_hi < f_lo
    reach_lo = int(np.minimum(f_lo, f_hi).min())
    reach_hi = int(np.maximum(f_lo, f_hi).max())
    base = reach_lo if base is None else min(base, reach_lo)
    top = reach_hi if top is None else max(top, reach_hi)
    k = top - base
    if k > MAX_LEVELS:
        raise NotThresholdable(f"it needs {k} thresholds per channel (it reaches {k + 1} "
                               f"output levels); at most {MAX_LEVELS} are supported: use a "
                               f"narrower activation quantizer")
    levels = base + 1 + np.arange(k, dtype=np.int64)[None, :]  # (1, K)
    lo_ck = np.broadcast_to(lo[:, None], (c, k))
    hi_ck = np.broadcast_to(hi[:, None], (c, k))
    d_ck = np.broadcast_to(desc[:, None], (c, k))
    # ascending: smallest a in [lo, hi+1] with f(a) >= level (hi+1 means "never")
    # descending: largest a in [lo-1, hi] with f(a) >= level (lo-1 means "never")
    left = np.where(d_ck, lo_ck - 1, lo_ck).copy()
    right = np.where(d_ck, hi_ck, hi_ck + 1).copy()
    while np.any(left < right):
        mid = np.where(d_ck, (left + right + 1) // 2, (left + right) // 2)
        probe = np.clip(mid, lo_ck, hi_ck)
        ok = _eval(f, probe) >= levels
        active = left < right
        asc_ok = active & ~d_ck & ok
        asc_no = active & ~d_ck & ~ok
        dsc_ok = active & d_ck & ok
        dsc_no = active & d_ck & ~ok
        right = np.where(asc_ok, mid, right)
        left = np.where(asc_no, mid + 1, left)
        left = np.where(dsc_ok, mid, left)
        right = np.where(dsc_no, mid - 1, right)
    t = Thresholds(left.astype(np.int64), desc.astype(bool), int(base))
    _check(f, t, lo, hi, samples, seed)
    return t


def apply_thresholds(acc: np.ndarray, t: Thresholds) -> np.ndarray:
    """Counting semantics (the hardware's), for acc of shape (M, C); CHECK_CHUNK elements at a
    time, so a large table is checked without an (M, C, K) array of gigabytes. When every
    channel's thresholds are sorted (as derived thresholds of a monotone function are), the
    count is a binary search per channel: the same numbers, in O(M·C·log K) instead of
    O(M·C·K) (the check of a 6-bit activation's 63 thresholds dominated quant-streamline)."""
    th = t.thresholds
    if th.ndim == 2 and th.shape[1] > 0 and acc.ndim >= 1 and acc.shape[-1] == th.shape[0] \
            and _sorted_per_channel(t):
        return _apply_sorted(acc, t)
    rows = max(1, CHECK_CHUNK // max(1, t.thresholds.size))
    if acc.ndim == 2 and acc.shape[0] > rows:
        return np.concatenate([apply_thresholds(acc[i:i + rows], t)
                               for i in range(0, acc.shape[0], rows)])
    a = acc[..., None]
    up = np.count_nonzero(a >= t.thresholds, axis=-1)
    down = np.count_nonzero(a <= t.thresholds, axis=-1)
    return t.base + np.where(t.descending, down, up)


def _sorted_per_channel(t: Thresholds) -> bool:
    """Thresholds non-decreasing along K in ascending channels, non-increasing in descending
    ones."""
    d = np.diff(t.thresholds, axis=1)
    desc = np.broadcast_to(np.asarray(t.descending, dtype=bool), t.thresholds.shape[:1])
    return bool(np.all(d[~desc] >= 0) and np.all(d[desc] <= 0))


def _apply_sorted(acc: np.ndarray, t: Thresholds) -> np.ndarray:
    """`apply_thresholds` for sorted thresholds: with few thresholds a channel, one comparison
    of the whole (M, C) array per threshold; with more, the count of thresholds <= a
    (ascending channel) or >= a (descending) by `np.searchsorted`, a channel at a time."""
    th = t.thresholds
    c, k = th.shape
    desc = np.broadcast_to(np.asarray(t.descending, dtype=bool), (c,))
    flat = acc.reshape(-1, c)
    counts = np.zeros(flat.shape, dtype=np.intp)
    if k <= SMALL_K:
        for j in range(k):
            col = th[:, j]
            if not desc.any():
                counts += flat >= col
            elif desc.all():
                counts += flat <= col
            else:
                counts += np.where(desc, flat <= col, flat >= col)
        return t.base + counts.reshape(acc.shape)
    rows = np.ascontiguousarray(flat.T)  # (C, M): each channel's accumulators contiguous
    out = counts.T  # a view: writes land in counts
    for ch in range(c):
        if desc[ch]:  # thresholds non-increasing: those >= a are a prefix
            out[ch] = k - np.searchsorted(th[ch, ::-1], rows[ch], side="left")
        else:  # non-decreasing: those <= a are a prefix
            out[ch] = np.searchsorted(th[ch], rows[ch], side="right")
    return t.base + counts.reshape(acc.shape)


SMALL_K = 8
"""Up to this many thresholds a channel, `_apply_sorted` compares whole arrays per threshold."""


def _check(f: Levels, t: Thresholds, lo: np.ndarray, hi: np.ndarray, samples: int,
           seed: int) -> None:
    """Compare counting against f at the bounds, around every threshold, and at random points;
    exhaustively when every channel's range is small."""
    c = lo.shape[0]
    width = int((hi - lo).max()) + 1 if c else 0
    if width <= samples:
        pts = lo[None, :] + np.arange(width, dtype=np.int64)[:, None]
    else:
        rng = np.random.default_rng(seed)
        span = (hi - lo + 1).astype(np.float64)
        rand = lo[None, :] + (rng.random((samples, c)) * span[None, :]).astype(np.int64)
        edges = [lo[None, :], hi[None, :]]
        for d in (-1, 0, 1):
            edges.append((t.thresholds + d).T)
        pts = np.concatenate([rand] + edges, axis=0)
    pts = np.clip(pts, lo[None, :], hi[None, :])
    got = apply_thresholds(pts, t)
    want = np.asarray(f(pts)).astype(np.int64)
    wrong = got != want
    if wrong.any():
        m, ch = np.argwhere(wrong)[0]
        raise NotThresholdable(f"channel {ch}: accumulator {pts[m, ch]} gives level {want[m, ch]} "
                               f"but thresholds give {got[m, ch]} (activation not monotone)")


def sum_thresholds(levels: np.ndarray, sums: np.ndarray, lo: int, hi: int,
                   base: int | None = None, top: int | None = None) -> Thresholds:
    """Thresholds on an integer sum s (e.g. `ka·a + kb·b` of a residual join) reproducing the
    output levels known at sample points only: `levels` (P, C) at the P points whose sums are
    `sums` (P,), all within [lo, hi]. Per channel the levels must be a monotone function of the
    sum (equal sums, equal levels); the result is checked at every point (exhaustive when the
    points are every input the channel can see). Raises NotThresholdable otherwise."""
    levels = np.asarray(levels, dtype=np.int64)
    sums = np.asarray(sums, dtype=np.int64)
    order = np.argsort(sums, kind="stable")
    s_sorted, l_sorted = sums[order], levels[order]
    uniq, first = np.unique(s_sorted, return_index=True)
    reach_lo, reach_hi = int(levels.min()), int(levels.max())
    base = reach_lo if base is None else min(base, reach_lo)
    top = reach_hi if top is None else max(top, reach_hi)
    k = top - base
    if k > MAX_LEVELS:
        raise NotThresholdable(f"it needs {k} thresholds per channel; at most {MAX_LEVELS} are "
                               "supported")
    c = levels.shape[1]
    rows, desc = [], np.zeros(c, bool)
    for ch in range(c):
        lv = l_sorted[:, ch]
        per_sum = np.maximum.reduceat(lv, first)
        if not np.array_equal(per_sum, np.minimum.reduceat(lv, first)):
            raise NotThresholdable(f"channel {ch}: two inputs with one sum give different levels")
        d = np.diff(per_sum)
        if np.all(d >= 0):
            ok = per_sum[None, :] >= (base + 1 + np.arange(k))[:, None]  # (K, U)
            t = np.where(ok.any(axis=1), uniq[np.argmax(ok, axis=1)], hi + 1)
        elif np.all(d <= 0):
            desc[ch] = True
            ok = per_sum[None, ::-1] >= (base + 1 + np.arange(k))[:, None]
            t = np.where(ok.any(axis=1), uniq[::-1][np.argmax(ok, axis=1)], lo - 1)
        else:
            raise NotThresholdable(f"channel {ch}: the level is not monotone in the sum")
        rows.append(t)
    th = Thresholds(np.array(rows, dtype=np.int64).reshape(c, k), desc, int(base))
    got = apply_thresholds(np.broadcast_to(sums[:, None], levels.shape), th)
    bad = np.argwhere(got != levels)
    if bad.size:
        p, ch = bad[0]
        raise NotThresholdable(f"channel {ch}: sum {sums[p]} gives level {levels[p, ch]} but "
                               f"thresholds give {got[p, ch]}")
    return th

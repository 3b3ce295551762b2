"""A fixed-point requantizer equal to a layer's thresholds, derived from them and proven exact.

A thresholded layer maps its integer accumulator `a` to `count(a) + out_bias`, with
`count(a) = #{k : a >= T[c, k]}` (ascending row of channel c) or `#{k : a <= T[c, k]}`
(descending). Comparing against K = 2^b - 1 thresholds costs K comparators per output lane; a
multiply-shift costs one multiplier:

    g(a) = floor((a·M[c] + B[c]) / 2^S),   out = clamp(g(a), 0, K) + out_bias

with an integer multiplier M[c] and offset B[c] per channel and one shift S per layer. This
module finds, for the smallest S up to a cap, integers (M[c], B[c]) making clamp∘g equal to
`count` on **every** accumulator value channel c can produce (its reachable range [lo[c],
hi[c]]), or says that none exists (`derive_requant` returns None). The thresholds stay the
reference: the requantizer is derived from them, never from the float model.

Derivation (ascending rows; a descending row is mirrored, a -> -a, so it gets M <= 0). For
M >= 0, g is non-decreasing, and clamp(g) = count on the integers of [lo, hi] iff, for every k:

    T_k <= hi      =>  T_k·M + B >= k·2^S          (count reaches k at T_k)
    T_k - 1 >= lo  =>  (T_k - 1)·M + B < k·2^S      (and not before)

Thresholds below lo or above hi are clipped to lo or hi + 1 first (same counts on [lo, hi]);
repeated thresholds, where the count jumps by 2 or more, are just several such constraints on
the same point. Eliminating B, every pair (k lower, j upper) bounds M:
`M·(T_k - T_j + 1) >= (k - j)·2^S + 1`, a lower bound where T_k - T_j + 1 > 0, an upper bound
where it is negative, and a contradiction where it is 0 and k >= j. The smallest feasible M is
taken (the narrowest multiplier), then B from its interval [max_k(k·2^S - T_k·M),
min_j(j·2^S - 1 - (T_j - 1)·M)], the value nearest 0. An (M, B) for S gives (2M, 2B) for S + 1,
so feasibility is monotone in S and the smallest S is found by bisection.

Verification (`check_requant`, run on every result, independent of the derivation): clamp∘g
and count are both non-decreasing integer functions, and count is constant between
consecutive step points. If two non-decreasing functions agree at both ends of an interval on
which one of them is constant, the other is squeezed to the same constant in between; so
agreement at lo, hi and every T_k - 1, T_k inside [lo, hi] proves agreement on all of [lo, hi].
That check runs always; a channel whose range has at most `EXHAUSTIVE_MAX` values is also
compared on every value (the proof made concrete).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXHAUSTIVE_MAX = 2**14
"""Channels whose accumulator range has at most this many values are also checked on every value
in the compiler (the step-point check alone is the proof; at 2**22 the exhaustive check tripled
fixedmlp_w8a6's compile time). The property tests check every value of every range."""

SHIFT_HEADROOM = 24
"""The shift cap is ACC_W + SHIFT_HEADROOM bits (at most `SHIFT_MAX`)."""

SHIFT_MAX = 46
"""No shift beyond this: 2^S·K then fits int64 in the pair bounds (K <= MAX_LEVELS)."""

MAX_LEVELS = 1024
"""Most thresholds per channel a requantizer is derived for (the pair bounds are K² a channel)."""


class RequantCheckFailed(AssertionError):
    """A derived requantizer disagrees with the thresholds (a bug in the derivation)."""


@dataclass(frozen=True)
class Requant:
    """`out = clamp(floor((a·mult[c] + offset[c]) / 2^shift), 0, levels)` per channel c."""

    mult: np.ndarray  # (C,) int64 (negative for a descending channel)
    offset: np.ndarray  # (C,) int64
    shift: int
    levels: int  # K: the count's maximum

    def mult_bits(self) -> int:
        """Two's-complement bits holding every multiplier."""
        return signed_bits(int(self.mult.min(initial=0)), int(self.mult.max(initial=0)))

    def offset_bits(self) -> int:
        return signed_bits(int(self.offset.min(initial=0)), int(self.offset.max(initial=0)))


def signed_bits(lo: int, hi: int) -> int:
    """Bits of the narrowest two's-complement number holding lo..hi."""
    w = 1
    while lo < -(1 << (w - 1)) or hi > (1 << (w - 1)) - 1:
        w += 1
    return w


def apply_requant(acc: np.ndarray, r: Requant) -> np.ndarray:
    """The requantizer on accumulators (..., C), exactly (Python integers where int64 could
    overflow)."""
    acc = np.asarray(acc)
    bound = int(np.abs(acc).max(initial=0)) * int(np.abs(r.mult).max(initial=0)) \
        + int(np.abs(r.offset).max(initial=0))
    if bound < 2**62:
        v = (acc.astype(np.int64) * r.mult + r.offset) >> r.shift
    else:
        v = (acc.astype(object) * r.mult.astype(object) + r.offset.astype(object)) >> r.shift
    return np.clip(v, 0, r.levels).astype(np.int64)


def count_thresholds(acc: np.ndarray, t: np.ndarray, descending: np.ndarray) -> np.ndarray:
    """count(a) per channel for acc (N, C) against t (C, K), by bisection (rows sorted)."""
    out = np.empty(acc.shape, dtype=np.int64)
    for c in range(t.shape[0]):
        if descending[c]:  # #{k : a <= T_k}, T descending: #{k : -a >= -T_k}
            out[:, c] = np.searchsorted(-t[c], -acc[:, c], side="right")
        else:
            out[:, c] = np.searchsorted(t[c], acc[:, c], side="right")
    return out


# ----------------------------------------------------------------------------------------------
# Derivation
# ----------------------------------------------------------------------------------------------


def _channel(t: np.ndarray, lo: int, hi: int, s: int) -> tuple[int, int] | None:
    """(M, B), M >= 0, for one ascending row t (K,) on [lo, hi] at shift s, or None."""
    k_idx = np.arange(1, t.size + 1, dtype=np.int64)
    t = np.clip(t.astype(np.int64), lo, hi + 1)
    low = t <= hi          # constraint T_k·M + B >= k·2^S
    up = t - 1 >= lo       # constraint (T_k - 1)·M + B <= k·2^S - 1
    tk, kk = t[low], k_idx[low]
    tj, kj = t[up], k_idx[up]
    m_lo, m_hi = 0, None
    if tk.size and tj.size:
        den = tk[:, None] - tj[None, :] + 1                       # (lower k, upper j)
        num = (kk[:, None] - kj[None, :]) * (1 << s) + 1
        if np.any((den == 0) & (num > 0)):
            return None
        pos, neg = den > 0, den < 0
        if pos.any():
            m_lo = max(m_lo, int((-(-num[pos] // den[pos])).max()))   # ceil
        if neg.any():
            m_hi = int((num[neg] // den[neg]).min())                  # floor (den < 0)
    if m_hi is not None and m_lo > m_hi:
        return None
    m = m_lo
    two_s = 1 << s
    bound = int(np.abs(t).max(initial=0)) + 1
    if (t.size + 1) * two_s + bound * (m + 1) < 1 << 62:  # exact in int64: numpy, same values
        b_lo = int((kk * two_s - tk * m).max()) if tk.size else None
        b_hi = int((kj * two_s - 1 - (tj - 1) * m).min()) if tj.size else None
    else:
        b_lo = max((int(k) * two_s - int(x) * m for k, x in zip(kk, tk)), default=None)
        b_hi = min((int(k) * two_s - 1 - (int(x) - 1) * m for k, x in zip(kj, tj)),
                   default=None)
    if b_lo is not None and b_hi is not None and b_lo > b_hi:
        return None  # cannot happen when M is within the pair bounds
    lo_b = b_lo if b_lo is not None else -(1 << 62)
    hi_b = b_hi if b_hi is not None else 1 << 62
    return m, min(max(0, lo_b), hi_b)


def _layer(t: np.ndarray, desc: np.ndarray, lo: np.ndarray, hi: np.ndarray,
           s: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(M, B) of every channel at shift s, or None when some channel has none: `_channel` of
    each row (a descending row mirrored), the same integers (see `_Layer`)."""
    return _Layer(t, desc, lo, hi).at(s)


class _Layer:
    """`_channel` of every row of a layer, for the shifts the bisection tries.

    `_channel` bounds M by every pair (lower k, upper j): `M·den >= n` with den = T_k - T_j + 1
    and n = (k - j)·2^S + 1. The pairs are the same at every shift, only n changes, and n
    depends on the pair only through d = k - j; so per row and d one pair decides:
    - den > 0 (a lower bound ceil(n / den)): for d >= 0, n > 0 and the bound is largest at the
      least den; for d < 0, n <= 0 and the bound is at most 0, below M >= 0 anyway;
    - den < 0 (an upper bound floor(n / den)): least at the greatest den for d >= 0 (n > 0),
      at the least den for d < 0 (n <= 0);
    - den = 0 (no M when n > 0, i.e. d >= 0; `_channel` tests n > 0 at each shift, as here).
    Those dens are found once, a diagonal d of the (k, j) pairs at a time over all rows, and
    each shift costs O(C·K): the same M, then B, as `_channel` computes (before: every pair
    of every channel divided at every shift, about 0.07 s a 64-channel 6-bit layer)."""

    def __init__(self, t: np.ndarray, desc: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        c, k = t.shape
        self.desc = desc
        # mirror descending rows: a -> -a turns them ascending on [-hi, -lo], with M >= 0
        lo, hi = np.where(desc, -hi, lo), np.where(desc, -lo, hi)
        self.lo, self.hi = lo, hi
        self.k_idx = np.arange(1, k + 1, dtype=np.int64)
        self.t = t = np.clip(np.where(desc[:, None], -t, t).astype(np.int64), lo[:, None],
                             hi[:, None] + 1)
        self.low = low = t <= hi[:, None]  # constraint T_k·M + B >= k·2^S
        self.up = up = t - 1 >= lo[:, None]  # constraint (T_k - 1)·M + B <= k·2^S - 1
        self.d = np.arange(-(k - 1), k, dtype=np.int64)  # k - j of each diagonal
        big = np.iinfo(np.int64).max
        self.pos_den = np.full((c, 2 * k - 1), big, dtype=np.int64)  # least den > 0
        self.neg_den = np.zeros((c, 2 * k - 1), dtype=np.int64)  # the deciding den < 0
        self.has_neg = np.zeros((c, 2 * k - 1), dtype=bool)
        self.zero_d: list[int] = []  # the d of pairs with den = 0
        for i, d in enumerate(self.d.tolist()):
            if d >= 0:  # lower k = j + d
                tk, tj, pair = t[:, d:], t[:, :k - d], low[:, d:] & up[:, :k - d]
            else:  # upper j = k - d
                tk, tj, pair = t[:, :k + d], t[:, -d:], low[:, :k + d] & up[:, -d:]
            den = tk - tj + 1
            if np.any(pair & (den == 0)):
                self.zero_d.append(d)
            neg = pair & (den < 0)
            self.has_neg[:, i] = neg.any(axis=1)
            if d >= 0:
                self.pos_den[:, i] = den.min(axis=1, where=pair & (den > 0), initial=big)
                self.neg_den[:, i] = den.max(axis=1, where=neg, initial=-1)
            else:
                self.neg_den[:, i] = den.min(axis=1, where=neg, initial=-1)
        self.has_pos = self.pos_den != big
        self.bound = np.abs(t).max(axis=1, initial=0) + 1

    def at(self, s: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(M, B) of every row at shift s, as `_channel` gives them, or None when some row
        has none."""
        t, low, up, k_idx, d = self.t, self.low, self.up, self.k_idx, self.d
        c, k = t.shape
        two_s = 1 << s
        if any(x * two_s + 1 > 0 for x in self.zero_d):
            return None
        n = d * two_s + 1                                              # (2K - 1,)
        pos = self.has_pos & (d >= 0)
        m_lo = np.maximum(0, (-(-n // np.where(pos, self.pos_den, 1))).max(
            axis=1, where=pos, initial=0))                             # ceil
        m_hi = (n // np.where(self.has_neg, self.neg_den, -1)).min(
            axis=1, where=self.has_neg, initial=np.iinfo(np.int64).max)  # floor (den < 0)
        has_hi = self.has_neg.any(axis=1)
        if np.any(has_hi & (m_lo > m_hi)):
            return None
        m = m_lo
        # offsets exact in int64 (the test of `_channel`); the other rows take `_channel`
        exact = np.array([(k + 1) * two_s + int(x) * (int(y) + 1) < 1 << 62
                          for x, y in zip(self.bound, m)], dtype=bool)
        has_lo, has_up = low.any(axis=1), up.any(axis=1)
        b_lo = (k_idx * two_s - t * m[:, None]).max(axis=1, where=low,
                                                     initial=np.iinfo(np.int64).min)
        b_hi = (k_idx * two_s - 1 - (t - 1) * m[:, None]).min(axis=1, where=up,
                                                                 initial=np.iinfo(np.int64).max)
        if np.any(exact & has_lo & has_up & (b_lo > b_hi)):
            return None  # cannot happen when M is within the pair bounds
        lo_b = np.where(has_lo, b_lo, -(1 << 62))
        hi_b = np.where(has_up, b_hi, 1 << 62)
        b = np.minimum(np.maximum(0, lo_b), hi_b)
        for ch in np.flatnonzero(~exact):
            mb = _channel(t[ch], int(self.lo[ch]), int(self.hi[ch]), s)
            if mb is None:
                return None
            m[ch], b[ch] = mb
        ms = np.where(self.desc, -m, m)
        return ms, b


def shift_cap(acc_bits: int) -> int:
    return min(acc_bits + SHIFT_HEADROOM, SHIFT_MAX)


_DERIVED: dict[tuple, "Requant | None"] = {}
"""`derive_requant`'s results by argument, for this process: `dataflow-fold` prices each
layer's multiply-shift and `dataflow-choose-activation` then derives the same one."""
_DERIVED_MAX = 64


def derive_requant(thresholds: np.ndarray, descending: np.ndarray, lo: np.ndarray,
                   hi: np.ndarray, acc_bits: int | None = None,
                   max_shift: int | None = None) -> Requant | None:
    """The requantizer equal to counting `thresholds` (C, K) on every integer of [lo[c],
    hi[c]] with the smallest shift up to `shift_cap(acc_bits)` (acc_bits: the accumulator's
    width, by default that of the widest bound; `max_shift` lowers the cap), checked by
    `check_requant`; None when no
    shift up to the cap admits integers (M[c], B[c]) for every channel, or K > MAX_LEVELS.
    A pure function, remembered for the last `_DERIVED_MAX` arguments (the result's arrays
    are read-only, as it is shared)."""
    t = np.asarray(thresholds, dtype=np.int64)
    desc = np.asarray(descending).astype(bool).reshape(-1)
    lo = np.asarray(lo, dtype=np.int64).reshape(-1)
    hi = np.asarray(hi, dtype=np.int64).reshape(-1)
    key = (t.shape, t.tobytes(), desc.tobytes(), lo.tobytes(), hi.tobytes(), acc_bits,
           max_shift)
    if key in _DERIVED:
        return _DERIVED[key]
    r = _derive_requant(t, desc, lo, hi, acc_bits, max_shift)
    if r is not None:
        for a in (r.mult, r.offset):
            a.setflags(write=False)
    if len(_DERIVED) >= _DERIVED_MAX:
        _DERIVED.pop(next(iter(_DERIVED)))
    _DERIVED[key] = r
    return r


def _derive_requant(t: np.ndarray, desc: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                    acc_bits: int | None, max_shift: int | None) -> Requant | None:
    c, k = t.shape
    if k == 0 or k > MAX_LEVELS or np.any(lo > hi):
        return None
    if acc_bits is None:
        acc_bits = signed_bits(int(lo.min()), int(hi.max()))
    cap = shift_cap(acc_bits) if max_shift is None else min(max_shift, shift_cap(acc_bits))
    layer = _Layer(t, desc, lo, hi)
    top = layer.at(cap)
    if top is None:
        return None
    a, b = -1, cap  # infeasible at a (or a = -1), feasible at b
    best = top
    while b - a > 1:
        mid = (a + b) // 2
        r = layer.at(mid)
        if r is None:
            a = mid
        else:
            b, best = mid, r
    result = Requant(best[0], best[1], b, k)
    check_requant(result, t, desc, lo, hi)
    return result


# ----------------------------------------------------------------------------------------------
# Verification
# ----------------------------------------------------------------------------------------------


def step_points(t: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """lo, hi and every T_k - 1, T_k inside [lo, hi]: the ends of the intervals on which
    count is constant (see the module docstring for why agreement there is a proof)."""
    pts = np.concatenate([[lo, hi], t - 1, t]).astype(np.int64)
    pts = np.sort(pts[(pts >= lo) & (pts <= hi)])
    # = np.unique(pts), which in numpy 2.4 imports numpy.ma (~15 ms) on its first call
    return pts[np.concatenate(([True], pts[1:] != pts[:-1]))] if pts.size else pts


def check_requant(r: Requant, thresholds: np.ndarray, descending: np.ndarray, lo: np.ndarray,
                  hi: np.ndarray, exhaustive_max: int = EXHAUSTIVE_MAX) -> None:
    """Raise RequantCheckFailed unless clamp∘g equals counting the thresholds on every integer of
    [lo[c], hi[c]]: at every step point of every channel (a proof for monotone functions), and
    on every value of channels with at most `exhaustive_max` of them."""
    t = np.asarray(thresholds, dtype=np.int64)
    desc = np.asarray(descending).astype(bool).reshape(-1)
    # every channel's step points at once; only when some disagree (or that check does not
    # apply), channel by channel below, which finds the same first disagreement to report
    agree = _step_points_agree(r, t, desc, np.asarray(lo, dtype=np.int64).reshape(-1),
                               np.asarray(hi, dtype=np.int64).reshape(-1))
    for c in range(t.shape[0]):
        if (r.mult[c] < 0) != bool(desc[c]) and r.mult[c] != 0:
            raise RequantCheckFailed(f"channel {c}: multiplier {r.mult[c]} has the wrong sign "
                                     f"for a {'de' if desc[c] else 'a'}scending row")
        pts = [] if agree else [step_points(t[c], int(lo[c]), int(hi[c]))]
        if int(hi[c]) - int(lo[c]) + 1 <= exhaustive_max:
            pts.append(np.arange(int(lo[c]), int(hi[c]) + 1, dtype=np.int64))
        for p in pts:
            one = Requant(r.mult[c:c + 1], r.offset[c:c + 1], r.shift, r.levels)
            got = apply_requant(p[:, None], one)[:, 0]
            want = count_thresholds(p[:, None], t[c:c + 1], desc[c:c + 1])[:, 0]
            bad = np.flatnonzero(got != want)
            if bad.size:
                a = int(p[bad[0]])
                raise RequantCheckFailed(
                    f"channel {c}: accumulator {a} gives {want[bad[0]]} by thresholds but "
                    f"{got[bad[0]]} by floor(({a}·{r.mult[c]} + {r.offset[c]}) / 2^{r.shift})")


STEP_BLOCK = 2**22
"""Comparisons (channels x points x thresholds) `_step_points_agree` makes at a time."""


def _step_points_agree(r: Requant, t: np.ndarray, desc: np.ndarray, lo: np.ndarray,
                       hi: np.ndarray) -> bool:
    """True when clamp∘g equals the count at every step point of every channel: the points
    `step_points` gives (lo, hi and each T_k - 1, T_k inside [lo, hi], here unsorted and
    with repeats, the same set), the requantizer as `apply_requant` computes it and the count
    as `count_thresholds` does (a binary search, which on a sorted row is the number of
    thresholds passed, computed here by comparison). False also when that does not apply: a
    row not sorted the way its direction says, or values where int64 could overflow; the
    caller then checks channel by channel."""
    c, k = t.shape
    if c == 0 or lo.shape != (c,) or hi.shape != (c,) or r.mult.shape != (c,) or \
            r.offset.shape != (c,):
        return False
    d = np.diff(t, axis=1)
    if not (np.all(d[~desc] >= 0) and np.all(d[desc] <= 0)):
        return False
    pts = np.concatenate([lo[:, None], hi[:, None], t - 1, t], axis=1)  # (C, 2K + 2)
    inside = (pts >= lo[:, None]) & (pts <= hi[:, None])
    # apply_requant's int64 test, per channel (its points within [lo, hi])
    a_max = np.maximum(np.abs(lo), np.abs(hi)).astype(np.float64)
    bound = a_max * np.abs(r.mult).astype(np.float64) + np.abs(r.offset).astype(np.float64)
    if not np.all(bound < 2.0**61):
        return False
    p = np.where(inside, pts, lo[:, None])  # points outside the range: lo, checked anyway
    got = np.clip((p * r.mult[:, None] + r.offset[:, None]) >> r.shift, 0, r.levels)
    # a descending row counts T_k >= a: -T_k <= -a, as an ascending one counts T_k <= a
    tt, pp = np.where(desc[:, None], -t, t), np.where(desc[:, None], -p, p)
    step = max(1, STEP_BLOCK // max(1, p.shape[1] * k))
    for first in range(0, c, step):
        part = slice(first, first + step)
        want = np.count_nonzero(tt[part][:, None, :] <= pp[part][:, :, None], axis=2)
        if np.any(want != got[part]):
            return False
    return True

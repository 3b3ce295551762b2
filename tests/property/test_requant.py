"""Property: a requantizer derived from a layer's thresholds (`qnnc.requant.derive_requant`)
equals counting those thresholds on every accumulator value the layer can produce, and the
derivation refuses (None) exactly where no exact requantizer exists below its shift cap.

Threshold sets come from real quantizers: `qnnc.thresholds.derive_thresholds` on
`clip(round(acc·scale + bias), qmin, qmax)` with random scales (power-of-two and arbitrary, of
either sign: ascending and descending rows, and above one level per accumulator step: repeated
thresholds), biases, bit widths and QONNX rounding modes; thresholds that are never or always
passed are moved to random points outside the range. Refusals are checked against a brute-force
search over every (S, M, B) small enough to matter."""

from __future__ import annotations

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from qnnc.requant import (
    Requant,
    apply_requant,
    count_thresholds,
    derive_requant,
)
from qnnc.thresholds import derive_thresholds

ROUNDING = {
    "ROUND": np.round,  # half to even, as qonnx
    "FLOOR": np.floor,
    "CEIL": np.ceil,
    "ROUND_TO_ZERO": np.trunc,
    "HALF_UP": lambda x: np.floor(x + 0.5),
    "HALF_DOWN": lambda x: np.ceil(x - 0.5),
}


@st.composite
def layers(draw, max_span=2000):
    """(thresholds, descending, lo, hi) of a random quantized layer's activation."""
    c = draw(st.integers(1, 4))
    bits = draw(st.integers(1, 8))
    signed = draw(st.booleans())
    qmin, qmax = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed and bits > 1 else (0, (1 << bits) - 1)
    mode = draw(st.sampled_from(sorted(ROUNDING)))
    pow2 = draw(st.booleans())
    scales, biases, lo, hi = [], [], [], []
    for _ in range(c):
        if pow2:
            mag = 2.0 ** draw(st.integers(-10, 2))
        else:
            mag = draw(st.floats(2 ** -10, 4.0, allow_nan=False))
        scales.append(mag if draw(st.booleans()) else -mag)
        lo_c = draw(st.integers(-max_span, max_span))
        hi_c = lo_c + draw(st.integers(0, max_span))
        lo.append(lo_c)
        hi.append(hi_c)
        mid = (lo_c + hi_c) / 2 * -scales[-1]
        biases.append(mid + draw(st.floats(-(1 << bits), 1 << bits, allow_nan=False)))
    scale, bias = np.array(scales), np.array(biases)
    rnd = ROUNDING[mode]

    def f(acc):
        return np.clip(rnd(acc * scale + bias), qmin, qmax) - qmin

    lo, hi = np.array(lo, dtype=np.int64), np.array(hi, dtype=np.int64)
    th = derive_thresholds(f, lo, hi, base=0, top=qmax - qmin)
    t = th.thresholds.copy()
    # thresholds never / always passed (hi+1, lo for ascending rows) go anywhere beyond the range
    far = draw(st.integers(0, 1000))
    for ch in range(c):
        if th.descending[ch]:
            t[ch][t[ch] < lo[ch]] -= far
            t[ch][t[ch] >= hi[ch]] += far if draw(st.booleans()) else 0
        else:
            t[ch][t[ch] > hi[ch]] += far
            t[ch][t[ch] <= lo[ch]] -= far if draw(st.booleans()) else 0
    return t, th.descending, lo, hi, (scale, bias, mode, bits)


def exhaustive(r: Requant, t, desc, lo, hi) -> None:
    for ch in range(t.shape[0]):
        a = np.arange(lo[ch], hi[ch] + 1)[:, None]
        one = Requant(r.mult[ch:ch + 1], r.offset[ch:ch + 1], r.shift, r.levels)
        want = count_thresholds(a, t[ch:ch + 1], desc[ch:ch + 1])[:, 0]
        got = apply_requant(a, one)[:, 0]
        assert np.array_equal(got, want), (ch, np.flatnonzero(got != want)[:5])


@settings(max_examples=300, deadline=None)
@given(case=layers())
def test_derived_requantizer_equals_thresholds_everywhere(case):
    t, desc, lo, hi, _ = case
    if np.any(np.diff(t, axis=1)[~desc] == 0) or np.any(np.diff(t, axis=1)[desc] == 0):
        event("repeated thresholds")
    if np.any(t < lo[:, None]) or np.any(t > hi[:, None]):
        event("thresholds outside the range")
    r = derive_requant(t, desc, lo, hi)
    event("derived" if r is not None else "refused")
    if r is None:
        return
    assert r.levels == t.shape[1]
    assert np.all((r.mult <= 0) | ~desc) and np.all((r.mult >= 0) | desc)
    exhaustive(r, t, desc, lo, hi)


def brute_force_exists(t, desc, lo, hi, max_shift: int) -> bool:
    """Whether some S <= max_shift and integers (M[c], B[c]) equal the thresholds on every
    value: for each S, every M up to K·2^S + 1 in magnitude (the least feasible M is never
    larger) and every B that can matter for accumulators in [lo, hi]."""
    k = t.shape[1]
    for s in range(max_shift + 1):
        ok = True
        for ch in range(t.shape[0]):
            a = np.arange(lo[ch], hi[ch] + 1)
            want = count_thresholds(a[:, None], t[ch:ch + 1], desc[ch:ch + 1])[:, 0]
            r = int(max(abs(lo[ch]), abs(hi[ch]))) + 1
            m_max = k * (1 << s) + 1
            found = False
            for m in range(-m_max, m_max + 1):
                b = np.arange(-r * abs(m) - 1, k * (1 << s) + r * abs(m) + 2)
                g = np.clip((a[None, :] * m + b[:, None]) >> s, 0, k)
                if np.any(np.all(g == want[None, :], axis=1)):
                    found = True
                    break
            if not found:
                ok = False
                break
        if ok:
            return True
    return False


@settings(max_examples=60, deadline=None)
@given(case=layers(max_span=24), max_shift=st.integers(0, 3))
def test_refuses_exactly_where_none_exists_below_the_cap(case, max_shift):
    t, desc, lo, hi, _ = case
    t, desc, lo, hi = t[:2], desc[:2], lo[:2], hi[:2]
    if t.shape[1] > 7:
        t = t[:, :7]  # any ascending/descending prefix of a row is still a threshold row
    r = derive_requant(t, desc, lo, hi, max_shift=max_shift)
    exists = brute_force_exists(t, desc, lo, hi, max_shift)
    event("exists" if exists else "none exists")
    assert (r is not None) == exists
    if r is not None:
        assert r.shift <= max_shift
        exhaustive(r, t, desc, lo, hi)


def test_irregular_steps_are_refused():
    """Gaps between consecutive steps of floor((a·M + B)/2^S) differ by at most one, and a jump
    by two forces M > 2^S, so no requantizer of any shift has these."""
    lo, hi = np.array([-100]), np.array([100])
    assert derive_requant(np.array([[0, 1, 4, 5]]), [0], lo, hi) is None      # gaps 1, 3, 1
    assert derive_requant(np.array([[10, 10, 20, 40]]), [0], lo, hi) is None  # jump 2, then gaps
    r = derive_requant(np.array([[10, 10, 11, 11]]), [0], lo, hi)              # two levels a step
    assert r is not None
    exhaustive(r, np.array([[10, 10, 11, 11]]), np.array([False]), lo, hi)


def test_power_of_two_layer_is_a_shift():
    """Thresholds 512 apart (a power-of-two scale, fixedmlp_w8a6) need no multiplier: M = 1."""
    t = (np.arange(63) * 512 + 100)[None, :].repeat(3, 0) + np.arange(3)[:, None]
    r = derive_requant(t, np.zeros(3, bool), np.full(3, -2**18), np.full(3, 2**18))
    assert r.shift == 9 and r.mult.tolist() == [1, 1, 1] and r.levels == 63

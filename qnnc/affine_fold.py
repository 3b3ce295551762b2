"""Exact folding of an elementwise affine op into a dequantization, proven on every code.

A dequantized value is `(q - z)·s` in float32 (qnnc's `quant.dequantize`, as qonnx computes a
quantizer's output). An op by a per-tensor constant c after it (`+ c`, `- c`, `c - ·`, `· c`,
`/ c`) is again affine in q, so algebra proposes new parameters:

    + c → (s, z - c/s)    - c → (s, z + c/s)    c - · → (-s, z + c/s)    · c → (s·c, z)    / c → (s/c, z)

(computed in float64, rounded to float32). Algebra is not float32 arithmetic: `((q - z)·s) + c`
rounds twice, the folded form once, so the proposal is accepted only when the two agree bit for
bit in float32 on *every* code q of the finite range (checked exhaustively, in chunks). When
they differ on any code (or the range is too large to check), there is no fold and the op stays.
"""

from __future__ import annotations

import numpy as np

KINDS = ("add", "sub", "rsub", "mul", "div")
MAX_POINTS = 1 << 25  # codes x parameter elements checked at most (larger: not folded)
_CHUNK = 1 << 20


def dequantize32(q: np.ndarray, s, z) -> np.ndarray:
    """`(q - z)·s` exactly as the `quant.dequantize` interpreter computes it in float32."""
    s32, z32 = np.asarray(s, np.float32), np.asarray(z, np.float32)
    return ((np.asarray(q).astype(np.float32) - z32) * s32).astype(np.float32)


def apply32(kind: str, x: np.ndarray, c) -> np.ndarray:
    """The float32 op itself, as the interpreter computes it (numpy on float32 operands)."""
    c32 = np.asarray(c, np.float32)
    fn = {"add": lambda: np.add(x, c32), "sub": lambda: np.subtract(x, c32),
          "rsub": lambda: np.subtract(c32, x), "mul": lambda: np.multiply(x, c32),
          "div": lambda: np.divide(x, c32)}[kind]
    return fn().astype(np.float32)


def propose(kind: str, s, z, c) -> tuple[np.ndarray, np.ndarray] | None:
    """The algebraic (s', z') of `kind` by c after `(q - z)·s`, rounded to float32; None when
    the algebra has none (division by 0, or a zero scale with an additive op)."""
    s64 = np.asarray(s, np.float32).astype(np.float64)
    z64 = np.asarray(z, np.float32).astype(np.float64)
    c64 = float(np.asarray(c, np.float32).reshape(-1)[0])
    if kind in ("add", "sub", "rsub") and np.any(s64 == 0):
        return None
    if kind == "div" and c64 == 0:
        return None
    if kind == "add":
        s2, z2 = s64, z64 - c64 / s64
    elif kind == "sub":
        s2, z2 = s64, z64 + c64 / s64
    elif kind == "rsub":
        s2, z2 = -s64, z64 + c64 / s64
    elif kind == "mul":
        s2, z2 = s64 * c64, z64
    elif kind == "div":
        s2, z2 = s64 / c64, z64
    else:
        raise ValueError(f"unknown affine op kind '{kind}'")
    out = np.asarray(s2, np.float32), np.asarray(z2, np.float32)
    if not (np.all(np.isfinite(out[0])) and np.all(np.isfinite(out[1]))):
        return None
    return out


def codes_of(lo: int, hi: int, bipolar: bool = False) -> np.ndarray:
    """Every code of an integer type (bipolar: -1 and +1)."""
    if bipolar:
        return np.array([-1, 1], np.int64)
    return np.arange(lo, hi + 1, dtype=np.int64)


def exact_on_codes(kind: str, s, z, c, s2, z2, codes: np.ndarray) -> bool:
    """True when `kind(dequantize(q, s, z), c) == dequantize(q, s2, z2)` in float32 for every
    q in codes (against per-channel parameters too)."""
    nd = max(np.ndim(s), np.ndim(z), np.ndim(s2), np.ndim(z2))
    per = int(np.prod(np.broadcast_shapes(np.shape(s), np.shape(z), np.shape(s2), np.shape(z2)),
                      dtype=np.int64))
    if codes.size * max(per, 1) > MAX_POINTS:
        return False
    step = max(1, _CHUNK // max(per, 1))
    for i in range(0, codes.size, step):
        q = codes[i:i + step].reshape((-1,) + (1,) * nd)
        before = apply32(kind, dequantize32(q, s, z), c)
        after = dequantize32(q, s2, z2)
        if before.shape != after.shape or not np.array_equal(before, after):
            return False
    return True


def fold(kind: str, s, z, c, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(s', z') with `kind(dequantize(q, s, z), c) == dequantize(q, s', z')` in float32 on every
    code, or None when no such fold is proven."""
    p = propose(kind, s, z, c)
    if p is None or not exact_on_codes(kind, s, z, c, p[0], p[1], codes):
        return None
    return p

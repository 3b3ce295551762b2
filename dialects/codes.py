"""Types and helpers every dialect shares: integer code element types and their ranges, dense
attribute ↔ numpy conversion, shapes and array attributes, and the numpy kernels more than one
level runs (threshold counting, depth-to-space). It imports no qnnc module, so the dialects can
all build on it without depending on each other (`rtl` reads codes, not `quant` ops).

`!quant.bipolar` is defined here and registered with the `quant` dialect, where it first
appears (the element type of bipolar codes at every level).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float64Type,
    IntegerType,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute, ParametrizedAttribute, SSAValue, TypeAttribute
from xdsl.irdl import irdl_attr_definition

# ----------------------------------------------------------------------------------------------
# Code element types
# ----------------------------------------------------------------------------------------------


@irdl_attr_definition
class BipolarType(ParametrizedAttribute, TypeAttribute):
    """Element type of bipolar codes: values +1 and -1 (1 bit in hardware, 1 means +1)."""

    name = "quant.bipolar"


def int_type(lo: int, hi: int) -> IntegerType:
    """The narrowest builtin integer type (`siN` or `uiN`) holding every value in [lo, hi]."""
    if lo >= 0:
        return IntegerType(max(1, int(hi).bit_length()), Signedness.UNSIGNED)
    bits = max((-int(lo) - 1).bit_length(), int(hi).bit_length()) + 1
    return IntegerType(bits, Signedness.SIGNED)


def code_range(t: Attribute) -> tuple[int, int]:
    """Range of values an integer code element type can hold."""
    if isinstance(t, BipolarType):
        return (-1, 1)
    assert isinstance(t, IntegerType), t
    w = t.width.data
    if t.signedness.data == Signedness.UNSIGNED:
        return (0, 2**w - 1)
    return (-(2 ** (w - 1)), 2 ** (w - 1) - 1)


def is_code_type(t: Attribute) -> bool:
    return isinstance(t, (BipolarType, IntegerType))


# ----------------------------------------------------------------------------------------------
# Dense attributes, shapes, array attributes
# ----------------------------------------------------------------------------------------------


def dense_from_numpy(arr: np.ndarray, elem: Attribute | None = None) -> DenseIntOrFPElementsAttr:
    """A dense attribute from a numpy array through the raw-bytes path (fast for big weights)."""
    from xdsl.dialects.builtin import BytesAttr, f32, f64

    arr = np.asarray(arr)
    if elem is None:
        elem = f64 if arr.dtype == np.float64 else f32
    if isinstance(elem, IntegerType):
        w = elem.width.data
        storage = next(n for n in (8, 16, 32, 64) if n >= w)
        dtype = np.dtype(f"<i{storage // 8}")
    elif isinstance(elem, Float64Type):
        dtype = np.dtype("<f8")
    else:
        dtype = np.dtype("<f4")
    arr = arr.astype(dtype)
    if dtype.kind == "f" and arr.size and (arr == 0).all():
        arr = arr + dtype.type(0)  # -0.0 → +0.0: the IR prints an all-zero array as one splat
        # `0.000000e+00`, so a dump must parse back to the very same bits (re-entry from a dump)
    data = np.ascontiguousarray(arr).tobytes()
    return DenseIntOrFPElementsAttr(TensorType(elem, list(arr.shape)), BytesAttr(data))


def dense_to_numpy(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The value of a dense attribute as a numpy array (float32/float64 or int64)."""
    t = attr.type
    elem = t.element_type
    shape = tuple(t.get_shape())
    raw = attr.data.data
    if isinstance(elem, IntegerType):
        w = elem.width.data
        storage = next(n for n in (8, 16, 32, 64) if n >= w)
        # Unsigned types read their storage unsigned (as xDSL does): reading ui8/ui16/ui32 as
        # signed turned codes >= 2^(storage-1) (e.g. 8-bit unsigned weights >= 128, ui16
        # thresholds >= 32768) negative. Found by tests/property/test_lowerings.py.
        kind = "u" if elem.signedness.data == Signedness.UNSIGNED else "i"
        return np.frombuffer(raw, dtype=f"<{kind}{storage // 8}").reshape(shape).astype(np.int64)
    if isinstance(elem, Float64Type):
        return np.frombuffer(raw, dtype="<f8").reshape(shape).copy()
    return np.frombuffer(raw, dtype="<f4").reshape(shape).copy()


def tensor_shape(v: SSAValue | Attribute) -> tuple[int, ...]:
    t = v.type if isinstance(v, SSAValue) else v
    assert isinstance(t, TensorType), t
    return tuple(t.get_shape())


def elem_type(v: SSAValue) -> Attribute:
    t = v.type
    assert isinstance(t, TensorType), t
    return t.element_type


def array_ints(attr: DenseArrayBase) -> tuple[int, ...]:
    """The values of an `array<i64: ...>` property."""
    return tuple(int(v) for v in attr.get_values())


def i64_array(values: Sequence[int]) -> DenseArrayBase:
    """An `array<i64: ...>` property value."""
    from xdsl.dialects.builtin import i64

    return DenseArrayBase.from_list(i64, [int(v) for v in values])


# ----------------------------------------------------------------------------------------------
# Numpy kernels shared by levels
# ----------------------------------------------------------------------------------------------


def threshold_count(acc: np.ndarray, thresholds: np.ndarray, descending: np.ndarray) -> np.ndarray:
    """Per channel (last axis of acc) count thresholds passed: `acc >= T` rows ascending,
    `acc <= T` rows descending. thresholds: (C, K) ints; descending: (C,) bools."""
    a = acc[..., None].astype(np.int64)
    t = thresholds.astype(np.int64)
    up = np.count_nonzero(a >= t, axis=-1)
    down = np.count_nonzero(a <= t, axis=-1)
    return np.where(descending.astype(bool), down, up)


def depth_to_space_nhwc(x: np.ndarray, block: int, mode: str) -> np.ndarray:
    """ONNX DepthToSpace on a channels-last tensor (N, H, W, C·b²) → (N, H·b, W·b, C): output
    (h·b + i, w·b + j, c) is input channel (i·b + j)·C + c (DCR) or c·b² + i·b + j (CRD)."""
    n, h, w, cb = x.shape
    c = cb // (block * block)
    if mode == "DCR":
        y = x.reshape(n, h, w, block, block, c).transpose(0, 1, 3, 2, 4, 5)
    else:
        y = x.reshape(n, h, w, c, block, block).transpose(0, 1, 4, 2, 5, 3)
    return y.reshape(n, h * block, w * block, c)


def pack_lanes(words: np.ndarray, lane_width: int) -> list[int]:
    """ROM words (depth, lanes) of integer lanes → one int per word, lane i in bits
    [i·w, (i+1)·w) as two's complement truncated to w = lane_width bits (lane 0 in the LSBs):
    `sum((v & (2^w - 1)) << i·w)`, computed for all words at once with numpy bit packing."""
    words = np.asarray(words)
    if words.ndim == 1:
        words = words[:, None]
    depth, lanes = words.shape
    if depth == 0:
        return []
    if lanes == 0:
        return [0] * depth
    if lane_width > 63 or words.dtype.kind not in "iub":
        mask = (1 << lane_width) - 1
        return [sum((int(v) & mask) << (i * lane_width) for i, v in enumerate(row))
                for row in words.tolist()]
    if lanes * lane_width <= 64:  # words fit a uint64: lanes masked, shifted into place, OR-ed
        mask = np.int64((1 << lane_width) - 1) if lane_width < 64 else np.int64(-1)
        fields = (words.astype(np.int64) & mask).astype(np.uint64)
        shifts = (np.arange(lanes, dtype=np.uint64) * np.uint64(lane_width))
        return np.bitwise_or.reduce(fields << shifts, axis=1).tolist()
    # bit b of a lane, two's complement (an arithmetic shift keeps a negative lane's high bits)
    bits = (words.astype(np.int64)[:, :, None] >> np.arange(lane_width, dtype=np.int64)) & 1
    packed = np.packbits(bits.reshape(depth, lanes * lane_width).astype(np.uint8), axis=1,
                         bitorder="little")
    raw, n = packed.tobytes(), packed.shape[1]
    return [int.from_bytes(raw[i * n:(i + 1) * n], "little") for i in range(depth)]

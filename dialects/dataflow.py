"""The `dataflow` dialect: streaming hardware units connected by typed streams.

A value of type `!dataflow.stream<E, N, P>` is a stream of frames of N elements of type E (a
builtin integer type or `!quant.bipolar`), P elements per beat (N/P beats per frame). Folding is
in the types (P) and in the `pe`/`simd` properties, so throughput is visible in the IR and a
width converter (`dataflow.dwc`) is needed exactly where producer and consumer folds differ.

Ops:
* `dataflow.to_stream` / `dataflow.from_stream`: the accelerator boundary (host tensor ↔ stream).
* `dataflow.mvau`: matrix-vector-activation unit (FINN's MVAU): integer weights, optional
  thresholds, PE/SIMD folding, XNOR mode for bipolar × bipolar.
* `dataflow.threshold`: standalone multi-thresholding.
* `dataflow.fifo`, `dataflow.dwc`: buffering and width conversion.

Each unit knows its analytical cycles per frame (`cycles()`), and each has numpy semantics on
frames (`DataflowFunctions`): a stream value is interpreted as an int64 array (batch, N).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    IntAttr,
    StringAttr,
    IntegerAttr,
    IntegerType,
    I64,
    TensorType,
)
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from qnnc.dialects.formats import irdl_op_definition  # formats parsed when first used
from qnnc.dialects import memory
from qnnc.dialects import resources as res

if TYPE_CHECKING:
    from qnnc.requant import Requant
from qnnc.dialects.codes import (
    BipolarType,
    array_ints,
    code_range,
    dense_to_numpy,
    depth_to_space_nhwc,
    is_code_type,
    tensor_shape,
    threshold_count,
)


@dataclass(frozen=True, init=False)
class FramedStreamBase(ParametrizedAttribute, TypeAttribute):
    """Parameters and syntax shared by the stream types of `dataflow` and `rtl`:
    `<E, N, P>` = element type, elements per frame, elements per beat. (The dataclass
    decorator makes the parameters fields, so equality and hashing see them.)"""

    element_type: Attribute
    frame: IntAttr
    lanes: IntAttr

    def __init__(self, element_type: Attribute, frame: int, lanes: int):
        super().__init__(element_type, IntAttr(frame), IntAttr(lanes))

    @classmethod
    def parse_parameters(cls, parser: AttrParser):
        with parser.in_angle_brackets():
            e = parser.parse_type()
            parser.parse_punctuation(",")
            n = parser.parse_integer()
            parser.parse_punctuation(",")
            p = parser.parse_integer()
        return (e, IntAttr(n), IntAttr(p))

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<")
        printer.print_attribute(self.element_type)
        printer.print_string(f", {self.frame.data}, {self.lanes.data}>")

    @property
    def n(self) -> int:
        return self.frame.data

    @property
    def p(self) -> int:
        return self.lanes.data

    @property
    def beats(self) -> int:
        return self.n // self.p


@irdl_attr_definition
class StreamType(FramedStreamBase):
    """`!dataflow.stream<E, N, P>`: frames of N elements of type E, P elements per beat."""

    name = "dataflow.stream"

    def verify(self) -> None:
        if not is_code_type(self.element_type):
            raise VerifyException(f"stream elements must be integer codes, got {self.element_type}")
        n, p = self.frame.data, self.lanes.data
        if n < 1 or p < 1 or n % p:
            raise VerifyException(f"stream of {n} elements cannot have {p} lanes")

    def element_bits(self) -> int:
        e = self.element_type
        return 1 if isinstance(e, BipolarType) else e.width.data  # type: ignore[union-attr]


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


Fold = dict[str, int]
"""A unit's folding: its lane parameters by name (`pe`, `simd`)."""


def _stream(v: SSAValue) -> StreamType:
    assert isinstance(v.type, StreamType), v.type
    return v.type


def elem_bits(e: Attribute) -> int:
    """Bits of an element on the wire (a bipolar code is one bit)."""
    return 1 if isinstance(e, BipolarType) else e.width.data  # type: ignore[union-attr]


def elem_signed(e: Attribute) -> bool:
    return not isinstance(e, BipolarType) and code_range(e)[0] < 0


def threshold_bits(lo: int, hi: int, thresholds) -> tuple[int, int]:
    """(compare bits, thresholds per channel) of a cell thresholding values lo..hi: a signed
    width holding them and every threshold, as `convert-dataflow-to-rtl` gives ACC_W / T_W
    (a unit with no thresholds left compares against one threshold out of range)."""
    t = dense_to_numpy(thresholds)
    if t.shape[1] == 0:
        return res.signed_bits(min(lo, -1), hi) + 1, 1
    return res.signed_bits(min(lo, int(t.min()), -1), max(hi, int(t.max()))), t.shape[1]


def rom_distinct_columns(t, pe: int, bits: int) -> int:
    """Distinct non-constant bit columns of an MVAU's (or add's) threshold ROM at PE lanes (NF words of
    PE·N_THRES thresholds of `bits` bits, two's complement): what Yosys keeps of it after
    merging equal columns (sign copies, evenly spaced thresholds' shared low bits)."""
    import numpy as np
    t = np.asarray(t, dtype=np.int64)
    words = t.reshape(-1, pe * t.shape[1])                       # NF x (PE·N_THRES)
    cols = ((words[:, :, None] >> np.arange(bits)) & 1).astype(np.uint8)  # NF x PE·N_THRES x bits
    cols = np.ascontiguousarray(cols.reshape(words.shape[0], -1).T)  # columns over the words
    cols = cols[(cols != cols[:, :1]).any(axis=1)]              # not constant
    if len(cols) < 2:
        return len(cols)
    # distinct columns = len({c.tobytes() for c in cols}), counted on a sort of the columns
    # packed to bytes (fixed length, so packing is one-to-one) instead of a Python set; up to
    # 64 words, zero-padded to 8 bytes and sorted as integers (faster than as byte strings)
    packed = np.packbits(cols, axis=1)
    if packed.shape[1] <= 8:
        padded = np.zeros((len(packed), 8), dtype=np.uint8)
        padded[:, :packed.shape[1]] = packed
        keys = np.sort(padded.view(np.uint64).ravel())
    else:
        packed = np.ascontiguousarray(packed)
        keys = np.sort(packed.view(np.dtype((np.void, packed.shape[1]))).ravel())
    return 1 + int(np.count_nonzero(keys[1:] != keys[:-1]))


def weight_words(w: np.ndarray, pe: int, simd: int, bipolar: bool) -> np.ndarray:
    """(NF·SF, PE·SIMD) ROM: word nf·SF+sf, lane p·SIMD+s holds W[sf·SIMD+s][nf·PE+p]."""
    mw, mh = w.shape
    sf, nf = mw // simd, mh // pe
    words = w.reshape(sf, simd, nf, pe).transpose(2, 0, 3, 1).reshape(nf * sf, pe * simd)
    return (words > 0).astype(np.int64) if bipolar else words.astype(np.int64)


def lut_weight_rom(mw: int, mh: int, pe: int, simd: int, bits: int) -> bool:
    """Whether the weight ROM at a folding is built in LUTs from its columns
    (`weight_rom_luts`): the memory rule puts it in LUTs and it is at most 64 words deep (a
    column is then one uint64)."""
    depth = (mw // simd) * (mh // pe)
    return depth <= 64 and memory.rom_style(depth, pe * simd * bits) == "distributed"


@functools.lru_cache(maxsize=16)
def weights_array(weights: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The weights as numpy, converted once per unit for every folding the search prices."""
    return dense_to_numpy(weights)


@functools.lru_cache(maxsize=256)
def weight_rom_luts(weights: DenseIntOrFPElementsAttr, pe: int, simd: int, bits: int,
                    bipolar: bool) -> res.Resources:
    """The weight ROM at a folding as Yosys builds it in LUTs (`resources.lut_rom` of its bit
    columns: distinct columns merged, the words a read-register set/reset takes), for a ROM
    `lut_weight_rom` admits. Cached as `threshold_rom_columns`: the requantized and
    thresholded estimates of one folding share the ROM."""
    # the ROM the lowering emits (`weight_words`); bit b's column of a lane is the sum over
    # words i of that bit times 2^i (at most 64 words: a uint64)
    words = weight_words(weights_array(weights), pe, simd, bipolar).astype(np.uint64)
    place = np.uint64(1) << np.arange(len(words), dtype=np.uint64)
    cols = np.concatenate([(((words >> np.uint64(b)) & np.uint64(1)) * place[:, None])
                           .sum(axis=0, dtype=np.uint64) for b in range(bits)])
    return res.lut_rom(cols, len(words))


@functools.lru_cache(maxsize=64)
def threshold_rom_columns(thresholds: DenseIntOrFPElementsAttr, pe: int, bits: int) -> int:
    """`rom_distinct_columns` of a thresholds property. A pure function of its (immutable)
    arguments, cached: `dataflow-fold` estimates every folding of a unit, and the foldings
    that share a PE (one per SIMD) share the ROM (fixedmlp_w8a6: 12 distinct of 52, which
    were most of dataflow-fold's time). It holds the IR's own attributes, at most 64."""
    return rom_distinct_columns(dense_to_numpy(thresholds), pe, bits)


@functools.lru_cache(maxsize=64)
def vector_rom_columns(values: bytes, pe: int, bits: int) -> int:
    """`rom_distinct_columns` of one value per channel (int64 `values`, e.g. a requantizer's
    multipliers), cached as `threshold_rom_columns` is: the foldings sharing a PE share it."""
    return rom_distinct_columns(np.frombuffer(values, dtype=np.int64).reshape(-1, 1), pe, bits)


class Folding:
    """What every streaming unit says about its folding: the foldings it can take (its lane
    parameters), its cycles per frame at any of them, and so at the current one. The policy
    that picks a folding lives in `dataflow-fold`; this is the mechanism."""

    def cycles(self) -> int:
        """Analytical cycles per frame in steady state, at the current folding."""
        return self.cycles_at(self.fold())

    def fold_space(self) -> list[Fold]:
        """Every folding the unit can take (empty: it follows its streams' lanes)."""
        return []

    def fold(self) -> Fold:
        """The current folding."""
        return {k: self.properties[k].value.data for k in ("pe", "simd") if k in self.properties}

    def cycles_at(self, fold: Fold) -> int:
        """Analytical cycles per frame in steady state at a folding of `fold_space()`."""
        raise NotImplementedError

    def resources_at(self, fold: Fold) -> res.Estimate:
        """Estimated LUT/FF/BRAM18/DSP (and ROMs) of the unit's hardware at a folding of
        `fold_space()` (dialects/resources.py: an estimate of Yosys synth_xilinx)."""
        raise NotImplementedError

    def resources(self) -> res.Estimate:
        """`resources_at` the current folding."""
        return self.resources_at(self.fold())


class _UnitOp(Folding, IRDLOperation):
    """Base of streaming units: one input stream, one output stream."""

    input = operand_def(StreamType)
    output = result_def(StreamType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"


    @property
    def in_type(self) -> StreamType:
        return _stream(self.input)

    @property
    def out_type(self) -> StreamType:
        return _stream(self.output)


def _verify_thresholds(op: IRDLOperation, channels: int, t_attr, d_attr, out_bias: int,
                       out_elem: Attribute) -> int:
    """Shared checks of threshold properties; returns the number of thresholds per channel."""
    t = dense_to_numpy(t_attr)
    d = dense_to_numpy(d_attr).astype(bool)
    if t.ndim != 2 or t.shape[0] != channels:
        raise VerifyException(f"{op.name}: thresholds shape {t.shape}, expected ({channels}, K)")
    if d.shape != (channels,):
        raise VerifyException(f"{op.name}: one descending flag per channel required")
    k = t.shape[1]
    if k > 1:
        diff = np.diff(t, axis=1)
        if np.any(diff[~d] < 0) or np.any(diff[d] > 0):
            raise VerifyException(f"{op.name}: thresholds not sorted in their channel's direction")
    if isinstance(out_elem, BipolarType):
        if k != 1 or out_bias != 0:
            raise VerifyException(f"{op.name}: bipolar output takes one threshold and bias 0")
    else:
        lo, hi = code_range(out_elem)
        if out_bias < lo or out_bias + k > hi:
            raise VerifyException(f"{op.name}: outputs {out_bias}..{out_bias + k} overflow {out_elem}")
    return k


def _verify_activation(op, channels: int, out_elem: Attribute) -> None:
    """Checks shared by the units that threshold their own accumulator (MVAU, add): thresholds,
    directions and bias go together and fit `acc_type`; without them the output is the
    accumulator."""
    has_t = op.thresholds is not None
    if has_t != (op.descending is not None) or has_t != (op.out_bias is not None):
        raise VerifyException(f"{op.name}: thresholds, descending and out_bias go together")
    if not has_t:
        if out_elem != op.acc_type:
            raise VerifyException(f"{op.name}: without thresholds the output is the accumulator")
        return
    _verify_thresholds(op, channels, op.thresholds, op.descending, op.out_bias.value.data,
                       out_elem)
    t = dense_to_numpy(op.thresholds)
    alo, ahi = code_range(op.acc_type)
    if t.size and (t.min() < alo or t.max() > ahi):
        raise VerifyException(f"{op.name}: thresholds do not fit {op.acc_type}")


def _apply_thresholds(acc: np.ndarray, t_attr, d_attr, out_bias: int, out_elem) -> np.ndarray:
    """Thresholds of channel c on every element i with i mod C = c (frames of pixels)."""
    t = dense_to_numpy(t_attr)
    b = acc.shape[0]
    cnt = threshold_count(acc.reshape(b, -1, t.shape[0]), t,
                          dense_to_numpy(d_attr).astype(bool)).reshape(b, -1)
    if isinstance(out_elem, BipolarType):
        return np.where(cnt > 0, 1, -1).astype(np.int64)
    return (cnt + out_bias).astype(np.int64)


def wrap(values: np.ndarray, elem: Attribute) -> np.ndarray:
    """Two's-complement wrap of int64 values into an integer element type (what hardware does)."""
    if isinstance(elem, BipolarType):
        return values
    assert isinstance(elem, IntegerType)
    w = elem.width.data
    lo, _ = code_range(elem)
    m = np.int64(1) << w
    return ((values.astype(np.int64) - lo) % m) + lo


def mvau_latency(simd: int, activation: bool) -> int:
    """The MVAU's pipeline latency in cycles, from issuing a vector's last weight word to its
    output beat being valid, as `qnnc_mvau` (Verilog) is built: weight word and input beat
    registered (synchronous ROM) and registered again (block RAM's output register), products
    registered, an adder-tree register after every two
    of its clog2(SIMD) levels but the last, the accumulator, then with an activation the
    threshold comparisons and the count; the output queue adds one. It changes when a frame
    starts to come out, not how many cycles a frame takes."""
    levels = (simd - 1).bit_length()
    tree_regs = (levels - 1) // 2 if levels > 0 else 0
    return (5 if activation else 3) + tree_regs + 1


@irdl_op_definition
class MVAUOp(_UnitOp):
    """Matrix-vector-activation unit: `acc = x @ W` (W: MW×MH codes) per frame, then either
    the accumulator (no thresholds) or `count + out_bias` per output channel.

    Folding: SIMD input lanes × PE output lanes; cycles per frame = (MW/SIMD)·(MH/PE).
    `weight_type` is the element type of the weight codes (`!quant.bipolar` for ±1 weights);
    with bipolar inputs and weights the products are XNORs (`binary_xnor`).

    Activation hardware: the thresholds are the activation's meaning; `requant_mult`,
    `requant_offset` (one integer per output channel) and `requant_shift` (one per layer), all
    three or none, say the hardware computes `count` as the multiply-shift
    `clamp(floor((acc·M[c] + B[c]) / 2^S), 0, K)` instead of K comparisons
    (`dataflow-choose-activation` picks it when exact and cheaper; `qnnc.requant`). The
    thresholds stay on the op rather than being replaced: they are the reference the requantizer
    was derived from and is verified against, the rule that keeps semantics bit-exact; they make
    the choice reversible (a later pass or a folding change can go back); and every consumer
    that reads the layer's levels (report, interpreter checks) keeps one source. The verifier
    proves the two agree on every accumulator value the layer can produce (agreement at every
    step point of two monotone functions, `qnnc.requant.check_requant`); the interpreter runs
    the requantizer, so any slip would show as a semantic change of the pass."""

    name = "dataflow.mvau"
    weights = prop_def(DenseIntOrFPElementsAttr)
    weight_type = prop_def(Attribute)
    acc_type = prop_def(IntegerType)
    pe = prop_def(IntegerAttr[I64])
    simd = prop_def(IntegerAttr[I64])
    thresholds = opt_prop_def(DenseIntOrFPElementsAttr)
    descending = opt_prop_def(DenseIntOrFPElementsAttr)
    out_bias = opt_prop_def(IntegerAttr[I64])
    requant_mult = opt_prop_def(DenseIntOrFPElementsAttr)
    requant_offset = opt_prop_def(DenseIntOrFPElementsAttr)
    requant_shift = opt_prop_def(IntegerAttr[I64])

    @property
    def mw(self) -> int:
        return tensor_shape(self.weights.type)[0]

    @property
    def mh(self) -> int:
        return tensor_shape(self.weights.type)[1]

    def n_thresholds(self) -> int:
        return 0 if self.thresholds is None else tensor_shape(self.thresholds.type)[1]

    def requant(self) -> "Requant | None":
        """The multiply-shift the hardware computes the count with, if chosen."""
        if self.requant_mult is None:
            return None
        from qnnc.requant import Requant

        return Requant(dense_to_numpy(self.requant_mult).astype(np.int64).reshape(-1),
                       dense_to_numpy(self.requant_offset).astype(np.int64).reshape(-1),
                       self.requant_shift.value.data, self.n_thresholds())

    def acc_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per output channel, the least and greatest accumulator value over every input code
        (sum over columns of the smaller / larger product with the input's extreme codes)."""
        w = dense_to_numpy(self.weights).astype(np.int64)
        xlo, xhi = code_range(self.in_type.element_type)
        if isinstance(self.in_type.element_type, BipolarType):
            xlo = -1
        return np.minimum(w * xhi, w * xlo).sum(axis=0), np.maximum(w * xhi, w * xlo).sum(axis=0)

    def compare_bits(self) -> int:
        """Bits the activation reads the accumulator with: signed, so an unsigned sum gets a
        bit (as `convert-dataflow-to-rtl` gives ACC_W)."""
        return self.acc_type.width.data + int(code_range(self.acc_type)[0] >= 0)

    def binary_xnor(self) -> bool:
        return isinstance(self.weight_type, BipolarType) and isinstance(
            self.in_type.element_type, BipolarType)

    @property
    def vectors(self) -> int:
        """Matrix-vector products per frame (OH·OW for a convolution, 1 for a dense layer)."""
        return self.in_type.n // self.mw

    def fold_space(self) -> list[Fold]:
        return [{"pe": p, "simd": q} for p in divisors(self.mh) for q in divisors(self.mw)]

    def pipeline_latency(self) -> int:
        """Cycles from a vector's last weight word to its output beat (`mvau_latency`)."""
        return mvau_latency(self.simd.value.data, self.thresholds is not None)

    def cycles_at(self, fold: Fold) -> int:
        return self.vectors * (self.mw // fold["simd"]) * (self.mh // fold["pe"])

    def resources_at(self, fold: Fold, rom_bound: bool = False) -> res.Estimate:
        """The estimate at `fold`; with `rom_bound`, a lower bound of it: a weight ROM in LUTs
        counted as nothing (`weight_rom_luts`), the one term that reads the weights, so a
        folding search can skip the foldings this bound already rules out."""
        r = self.requant()
        if r is not None:
            return self.requant_resources_at(fold, r, rom_bound)
        return self.threshold_resources_at(fold, rom_bound)

    def requant_resources_at(self, fold: Fold, r: "Requant",
                             rom_bound: bool = False) -> res.Estimate:
        """Resources with the multiply-shift activation `r` (whether chosen or not)."""
        x, w, o = self.in_type.element_type, self.weight_type, self.out_type.element_type
        return res.mvau_requant(self.mw, self.mh, fold["pe"], fold["simd"], elem_bits(x),
                                elem_signed(x), isinstance(x, BipolarType), elem_bits(w),
                                elem_signed(w), isinstance(w, BipolarType), self.compare_bits(),
                                r.mult_bits(), r.offset_bits(), r.shift, elem_bits(o),
                                tuple(vector_rom_columns(
                                    np.ascontiguousarray(v, dtype=np.int64).tobytes(),
                                    fold["pe"], b)
                                    for v, b in ((r.mult, r.mult_bits()),
                                                 (r.offset, r.offset_bits()))),
                                self.weight_rom_luts(fold, rom_bound))

    def threshold_resources_at(self, fold: Fold, rom_bound: bool = False) -> res.Estimate:
        """Resources with the thresholds compared in hardware (or no activation)."""
        x, w, o = self.in_type.element_type, self.weight_type, self.out_type.element_type
        acc_bits, k, t_cols = self.acc_type.width.data, 0, 0
        if self.thresholds is not None:  # the cell compares signed: an unsigned sum gets a bit
            acc_bits += int(code_range(self.acc_type)[0] >= 0)
            k = self.n_thresholds()
            if k == 0:
                acc_bits, k = acc_bits + 1, 1
            else:
                t_cols = threshold_rom_columns(self.thresholds, fold["pe"], acc_bits)
        return res.mvau(self.mw, self.mh, fold["pe"], fold["simd"], elem_bits(x), elem_signed(x),
                        isinstance(x, BipolarType), elem_bits(w), elem_signed(w),
                        isinstance(w, BipolarType), acc_bits, k,
                        elem_bits(o) if k else acc_bits, t_cols,
                        self.weight_rom_luts(fold, rom_bound))

    def weight_rom_luts(self, fold: Fold, bound: bool = False) -> res.Resources | None:
        """`weight_rom_luts` of this unit's weights at `fold` (nothing, a lower bound, with
        `bound`), None where `lut_weight_rom` says the shape formula (`resources.rom`)
        stands."""
        w, pe, simd = self.weight_type, fold["pe"], fold["simd"]
        if not lut_weight_rom(self.mw, self.mh, pe, simd, elem_bits(w)):
            return None
        if bound:
            return res.Resources()
        return weight_rom_luts(self.weights, pe, simd, elem_bits(w), isinstance(w, BipolarType))

    def verify_(self) -> None:
        w = dense_to_numpy(self.weights)
        if w.ndim != 2:
            raise VerifyException(f"{self.name}: weights must be MW×MH")
        mw, mh = w.shape
        pe, simd = self.pe.value.data, self.simd.value.data
        if pe < 1 or simd < 1 or mh % pe or mw % simd:
            raise VerifyException(f"{self.name}: PE={pe} must divide MH={mh} and SIMD={simd} "
                                  f"must divide MW={mw}")
        i, o = self.in_type, self.out_type
        if i.n % mw or i.p != simd:
            raise VerifyException(f"{self.name}: input stream must carry vectors of {mw} "
                                  f"elements, {simd} per beat")
        v = i.n // mw
        if (o.n, o.p) != (v * mh, pe):
            raise VerifyException(f"{self.name}: output stream must carry {v} vectors of {mh} "
                                  f"elements, {pe} per beat")
        if not is_code_type(self.weight_type):
            raise VerifyException(f"{self.name}: weight_type must be an integer code type")
        wlo, whi = code_range(self.weight_type)
        if w.size and (w.min() < wlo or w.max() > whi):
            raise VerifyException(f"{self.name}: weights outside {self.weight_type}")
        if isinstance(self.weight_type, BipolarType) and np.any(w == 0):
            raise VerifyException(f"{self.name}: bipolar weights must be +1/-1")
        # the accumulator type must hold every reachable sum
        lo_c, hi_c = self.acc_bounds()
        hi = hi_c.max(initial=0)
        lo = lo_c.min(initial=0)
        alo, ahi = code_range(self.acc_type)
        if lo < alo or hi > ahi:
            raise VerifyException(f"{self.name}: accumulator {self.acc_type} cannot hold "
                                  f"{lo}..{hi}")
        _verify_activation(self, mh, o.element_type)
        self._verify_requant(mh, lo_c, hi_c)

    def _verify_requant(self, mh: int, lo: np.ndarray, hi: np.ndarray) -> None:
        """The multiply-shift, when present, is complete, shaped per channel and equal to the
        thresholds on every reachable accumulator value (proven at the step points)."""
        given = [self.requant_mult is not None, self.requant_offset is not None,
                 self.requant_shift is not None]
        if not any(given):
            return
        if not all(given):
            raise VerifyException(f"{self.name}: requant_mult, requant_offset and "
                                  "requant_shift go together")
        if self.thresholds is None or isinstance(self.out_type.element_type, BipolarType):
            raise VerifyException(f"{self.name}: a multiply-shift stands for thresholds with "
                                  "an integer output")
        m = dense_to_numpy(self.requant_mult)
        b = dense_to_numpy(self.requant_offset)
        if m.shape != (mh,) or b.shape != (mh,):
            raise VerifyException(f"{self.name}: requant_mult and requant_offset need one "
                                  f"value per output channel ({mh})")
        if self.requant_shift.value.data < 0:
            raise VerifyException(f"{self.name}: requant_shift must be non-negative")
        from qnnc.requant import RequantCheckFailed, check_requant

        try:
            check_requant(self.requant(), dense_to_numpy(self.thresholds),
                          dense_to_numpy(self.descending), lo, hi, exhaustive_max=0)
        except RequantCheckFailed as e:
            raise VerifyException(f"{self.name}: the multiply-shift is not the thresholds: {e}")


@irdl_op_definition
class ThresholdOp(_UnitOp):
    """Standalone multi-thresholding of a stream of C channels (PE lanes per beat)."""

    name = "dataflow.threshold"
    thresholds = prop_def(DenseIntOrFPElementsAttr)
    descending = prop_def(DenseIntOrFPElementsAttr)
    out_bias = prop_def(IntegerAttr[I64])
    pe = prop_def(IntegerAttr[I64])

    @property
    def channels(self) -> int:
        return tensor_shape(self.thresholds.type)[0]

    def fold_space(self) -> list[Fold]:
        return [{"pe": p} for p in divisors(self.channels)]

    def cycles_at(self, fold: Fold) -> int:
        return self.in_type.n // fold["pe"]

    def resources_at(self, fold: Fold) -> res.Estimate:
        x = self.in_type.element_type
        lo, hi = code_range(x)
        t_bits, k = threshold_bits(lo, hi, self.thresholds)
        return res.threshold(self.channels, fold["pe"], elem_bits(x), t_bits, k,
                             elem_bits(self.out_type.element_type))

    def verify_(self) -> None:
        i, o = self.in_type, self.out_type
        pe, c = self.pe.value.data, self.channels
        if i.n != o.n or i.p != pe or o.p != pe:
            raise VerifyException(f"{self.name}: input and output must carry the same frame "
                                  f"with PE={pe} lanes")
        if c < 1 or i.n % c or c % pe:
            raise VerifyException(f"{self.name}: a frame of {i.n} elements is not pixels of "
                                  f"{c} channels in groups of PE={pe}")
        if isinstance(i.element_type, BipolarType):
            raise VerifyException(f"{self.name}: bipolar input cannot be thresholded")
        _verify_thresholds(self, c, self.thresholds, self.descending, self.out_bias.value.data,
                           o.element_type)


@irdl_op_definition
class FifoOp(_UnitOp):
    """A FIFO of `depth` beats; the stream type passes through unchanged."""

    name = "dataflow.fifo"
    depth = prop_def(IntegerAttr[I64])

    def cycles_at(self, fold: Fold) -> int:
        return self.in_type.beats

    def resources_at(self, fold: Fold) -> res.Estimate:
        t = self.in_type
        return res.fifo(t.p * t.element_bits(), self.depth.value.data)

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise VerifyException(f"{self.name}: input and output stream types differ")
        if self.depth.value.data < 2:
            raise VerifyException(f"{self.name}: depth must be at least 2")


@irdl_op_definition
class DwcOp(_UnitOp):
    """Data width converter: same frame and element type, different lanes per beat."""

    name = "dataflow.dwc"

    def cycles_at(self, fold: Fold) -> int:
        return max(self.in_type.beats, self.out_type.beats)

    def resources_at(self, fold: Fold) -> res.Estimate:
        return res.dwc(self.in_type.element_bits(), self.in_type.p, self.out_type.p)

    def verify_(self) -> None:
        i, o = self.in_type, self.out_type
        if i.element_type != o.element_type or i.n != o.n:
            raise VerifyException(f"{self.name}: only the lanes may change")



def _ints(attr) -> tuple[int, ...]:
    return array_ints(attr)


def _check_lanes(op: IRDLOperation, lanes: int, channels: int) -> None:
    if lanes < 1 or channels % lanes:
        raise VerifyException(f"{op.name}: {lanes} lanes do not divide {channels} channels")


class _MapUnitOp(_UnitOp):
    """A unit on a channels-last feature map (H, W, C): `ifm` = (H, W); C = frame / (H·W)."""

    ifm = prop_def(DenseArrayBase)

    def row_gather_resources(self, fold: Fold) -> res.Estimate:
        """A row gather (upsample, depth-to-space) as qnnc_rowmap: one input row of beats
        buffered, the output beats it becomes read through a ROM of source beats."""
        p = fold["pe"]
        row_in = self.width * self.channels // p
        row_out = self.out_type.n // self.height // p
        return res.rowmap(row_in, row_out, p, self.in_type.element_bits(),
                          max(1, (row_in - 1).bit_length()))

    @property
    def height(self) -> int:
        return _ints(self.ifm)[0]

    @property
    def width(self) -> int:
        return _ints(self.ifm)[1]

    @property
    def channels(self) -> int:
        return self.in_type.n // (self.height * self.width)

    def _verify_map(self) -> None:
        hw = _ints(self.ifm)
        if len(hw) != 2 or min(hw) < 1 or self.in_type.n % (hw[0] * hw[1]):
            raise VerifyException(f"{self.name}: input frame of {self.in_type.n} elements is "
                                  f"not an {hw} map")


@irdl_op_definition
class PadOp(_MapUnitOp):
    """Spatial padding of a feature map with one code (`value`, the zero point: real 0):
    `pads` = (top, left, bottom, right). PE channel lanes in and out."""

    name = "dataflow.pad"
    pads = prop_def(DenseArrayBase)
    value = prop_def(IntegerAttr[I64])
    pe = prop_def(IntegerAttr[I64])

    def out_hw(self) -> tuple[int, int]:
        t, left, b, r = _ints(self.pads)
        return self.height + t + b, self.width + left + r

    def fold_space(self) -> list[Fold]:
        return [{"pe": p} for p in divisors(self.channels)]

    def cycles_at(self, fold: Fold) -> int:
        return self.out_type.n // fold["pe"]

    def resources_at(self, fold: Fold) -> res.Estimate:
        return res.pad(self.height, self.width, self.channels, fold["pe"],
                       self.in_type.element_bits())

    def verify_(self) -> None:
        self._verify_map()
        pads = _ints(self.pads)
        if len(pads) != 4 or min(pads) < 0:
            raise VerifyException(f"{self.name}: pads must be 4 non-negative values")
        i, o = self.in_type, self.out_type
        pe, c = self.pe.value.data, self.channels
        _check_lanes(self, pe, c)
        oh, ow = self.out_hw()
        if i.element_type != o.element_type or (o.n, o.p, i.p) != (oh * ow * c, pe, pe):
            raise VerifyException(f"{self.name}: output must be the ({oh}, {ow}, {c}) map of "
                                  f"the input's elements, {pe} lanes in and out")
        lo, hi = code_range(i.element_type)
        v = self.value.value.data
        if not lo <= v <= hi or (isinstance(i.element_type, BipolarType) and v == 0):
            raise VerifyException(f"{self.name}: pad value {v} is not a code of {i.element_type}")


@irdl_op_definition
class SwgOp(_MapUnitOp):
    """Sliding-window generator (FINN's ConvolutionInputGenerator): for each output pixel
    (row-major) its window, kernel positions (kh, kw) row-major, channels fastest: the input
    vectors of an MVAU computing the convolution. SIMD channel lanes in. Two forms, told apart
    by the output's lanes:
    - by position (SIMD lanes out): one kernel position's SIMD channels a beat, from a line
      buffer of rows; at least OH·OW·kH·kW cycles a frame;
    - parallel window (kH·kW·C lanes out, FINN's `parallel_window`): the whole window a beat,
      from a delay line of (kH−1)·dH rows; one input beat a cycle, so H·W·C/SIMD cycles a
      frame. What an MVAU reading more than C lanes (several kernel positions a cycle) needs."""

    name = "dataflow.swg"
    kernel = prop_def(DenseArrayBase)
    strides = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    simd = prop_def(IntegerAttr[I64])

    def out_hw(self) -> tuple[int, int]:
        (kh, kw), (sh, sw), (dh, dw) = _ints(self.kernel), _ints(self.strides), _ints(self.dilations)
        return ((self.height - (kh - 1) * dh - 1) // sh + 1,
                (self.width - (kw - 1) * dw - 1) // sw + 1)

    def window(self) -> int:
        kh, kw = _ints(self.kernel)
        return kh * kw

    def window_lanes(self) -> int:
        """The output lanes of the parallel-window form: a whole window of C channels."""
        return self.window() * self.channels

    def parallel_window(self) -> bool:
        """Whether this generator writes a whole window a beat (its output's lanes say so)."""
        return self.out_type.p != self.simd.value.data

    def fold(self) -> Fold:
        """`simd`, and `window: 1` for the parallel-window form."""
        return {"simd": self.simd.value.data, **({"window": 1} if self.parallel_window() else {})}

    def fold_space(self) -> list[Fold]:
        by_position = [{"simd": q} for q in divisors(self.channels)]
        if self.window() == 1:  # a 1×1 window is one position: the forms are the same
            return by_position
        return by_position + [{"simd": q, "window": 1} for q in divisors(self.channels)]

    def out_lanes_at(self, fold: Fold) -> int:
        return self.window_lanes() if fold.get("window") else fold["simd"]

    def cycles_at(self, fold: Fold) -> int:
        return max(self.in_type.n // fold["simd"], self.out_type.n // self.out_lanes_at(fold))

    def resources_at(self, fold: Fold) -> res.Estimate:
        estimate = res.swg_window if fold.get("window") else res.swg
        return estimate(self.height, self.width, self.channels, fold["simd"],
                        self.in_type.element_bits(), _ints(self.kernel), _ints(self.strides),
                        _ints(self.dilations))

    def verify_(self) -> None:
        self._verify_map()
        for what in ("kernel", "strides", "dilations"):
            v = _ints(getattr(self, what))
            if len(v) != 2 or min(v) < 1:
                raise VerifyException(f"{self.name}: {what} must be 2 positive values")
        oh, ow = self.out_hw()
        if oh < 1 or ow < 1:
            raise VerifyException(f"{self.name}: the window does not fit the {_ints(self.ifm)} map")
        i, o = self.in_type, self.out_type
        simd, c = self.simd.value.data, self.channels
        _check_lanes(self, simd, c)
        if i.element_type != o.element_type or (o.n, i.p) != (oh * ow * self.window() * c, simd) \
                or o.p not in (simd, self.window_lanes()):
            raise VerifyException(f"{self.name}: output must be {oh}x{ow} windows of "
                                  f"{self.window()}x{c} input elements, {simd} lanes in and "
                                  f"{simd} (by position) or {self.window_lanes()} (a whole "
                                  f"window) out")


POOL_MODES = ("max", "sum")


@irdl_op_definition
class PoolOp(_UnitOp):
    """Reduces each group of `window`·C elements (window positions, channels fastest, as the
    sliding-window generator writes them) to C: the maximum (codes; the maximum of bipolar codes
    is their OR) or the sum. PE channel lanes in and out."""

    name = "dataflow.pool"
    window = prop_def(IntegerAttr[I64])
    channels_ = prop_def(IntegerAttr[I64], prop_name="channels")
    mode = prop_def(StringAttr)
    pe = prop_def(IntegerAttr[I64])

    @property
    def channels(self) -> int:
        return self.channels_.value.data

    def fold_space(self) -> list[Fold]:
        return [{"pe": p} for p in divisors(self.channels)]

    def cycles_at(self, fold: Fold) -> int:
        return self.in_type.n // fold["pe"]

    def resources_at(self, fold: Fold) -> res.Estimate:
        return res.pool(self.window.value.data, self.channels, fold["pe"],
                        self.in_type.element_bits(), self.out_type.element_bits(), self.mode.data)

    def verify_(self) -> None:
        k, c, pe = self.window.value.data, self.channels, self.pe.value.data
        if self.mode.data not in POOL_MODES:
            raise VerifyException(f"{self.name}: mode must be one of {', '.join(POOL_MODES)}")
        if k < 1 or c < 1:
            raise VerifyException(f"{self.name}: window and channels must be positive")
        _check_lanes(self, pe, c)
        i, o = self.in_type, self.out_type
        if i.n % (k * c) or (o.n, o.p, i.p) != (i.n // k, pe, pe):
            raise VerifyException(f"{self.name}: groups of {k}x{c} elements must become {c}, "
                                  f"{pe} lanes in and out")
        if self.mode.data == "max":
            if i.element_type != o.element_type:
                raise VerifyException(f"{self.name}: max keeps the element type")
        else:
            if isinstance(i.element_type, BipolarType) or isinstance(o.element_type, BipolarType):
                raise VerifyException(f"{self.name}: sums of bipolar codes are not supported")
            lo, hi = code_range(i.element_type)
            olo, ohi = code_range(o.element_type)
            if k * lo < olo or k * hi > ohi:
                raise VerifyException(f"{self.name}: {o.element_type} cannot hold sums of {k} "
                                      f"codes of {i.element_type}")


@irdl_op_definition
class ForkOp(Folding, IRDLOperation):
    """One stream to two identical streams (a residual branch point)."""

    name = "dataflow.fork"
    input = operand_def(StreamType)
    out0 = result_def(StreamType)
    out1 = result_def(StreamType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($out0) `,` type($out1)"

    @property
    def in_type(self) -> StreamType:
        return _stream(self.input)

    @property
    def out_type(self) -> StreamType:
        return _stream(self.out0)

    def cycles_at(self, fold: Fold) -> int:
        return self.in_type.beats

    def resources_at(self, fold: Fold) -> res.Estimate:
        return res.fork(self.in_type.p * self.in_type.element_bits())

    def verify_(self) -> None:
        if not (self.input.type == self.out0.type == self.out1.type):
            raise VerifyException(f"{self.name}: both outputs carry the input stream")


@irdl_op_definition
class AddOp(Folding, IRDLOperation):
    """Residual join: `acc = ka·a + kb·b` element by element on two streams of one frame
    (pixels of C channels, PE lanes), then optional thresholds per channel (as an MVAU's)."""

    name = "dataflow.add"
    lhs = operand_def(StreamType)
    rhs = operand_def(StreamType)
    output = result_def(StreamType)
    ka = prop_def(IntegerAttr[I64])
    kb = prop_def(IntegerAttr[I64])
    acc_type = prop_def(IntegerType)
    channels_ = prop_def(IntegerAttr[I64], prop_name="channels")
    pe = prop_def(IntegerAttr[I64])
    thresholds = opt_prop_def(DenseIntOrFPElementsAttr)
    descending = opt_prop_def(DenseIntOrFPElementsAttr)
    out_bias = opt_prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` "
                       "type($output)")

    @property
    def channels(self) -> int:
        return self.channels_.value.data

    @property
    def in_type(self) -> StreamType:
        return _stream(self.lhs)

    @property
    def out_type(self) -> StreamType:
        return _stream(self.output)

    def n_thresholds(self) -> int:
        return 0 if self.thresholds is None else tensor_shape(self.thresholds.type)[1]

    def fold_space(self) -> list[Fold]:
        return [{"pe": p} for p in divisors(self.channels)]

    def cycles_at(self, fold: Fold) -> int:
        return self.in_type.n // fold["pe"]

    def resources_at(self, fold: Fold) -> res.Estimate:
        a, b = _stream(self.lhs), _stream(self.rhs)
        if self.thresholds is not None:
            lo, hi = self.acc_bounds()
            acc_bits, k = threshold_bits(lo, hi, self.thresholds)
            out_bits = self.out_type.element_bits()
        else:
            acc_bits, k = self.acc_type.width.data, 0
            out_bits = acc_bits
        t_cols = None
        if self.thresholds is not None and self.n_thresholds():
            t_cols = threshold_rom_columns(self.thresholds, fold["pe"], acc_bits)
        return res.add(self.channels, fold["pe"], a.element_bits(), b.element_bits(),
                       self.ka.value.data, self.kb.value.data, acc_bits, k, out_bits, t_cols)

    def acc_bounds(self) -> tuple[int, int]:
        terms = []
        for k, t in ((self.ka.value.data, _stream(self.lhs)), (self.kb.value.data, _stream(self.rhs))):
            lo, hi = code_range(t.element_type)
            terms.append(sorted((k * lo, k * hi)))
        return terms[0][0] + terms[1][0], terms[0][1] + terms[1][1]

    def verify_(self) -> None:
        a, b, o = _stream(self.lhs), _stream(self.rhs), self.out_type
        pe, c = self.pe.value.data, self.channels
        _check_lanes(self, pe, c)
        if (a.n, a.p) != (b.n, b.p) or (o.n, o.p) != (a.n, a.p) or a.p != pe or a.n % c:
            raise VerifyException(f"{self.name}: both inputs and the output must carry one frame "
                                  f"of {c}-channel pixels with PE={pe} lanes")
        lo, hi = self.acc_bounds()
        alo, ahi = code_range(self.acc_type)
        if lo < alo or hi > ahi:
            raise VerifyException(f"{self.name}: accumulator {self.acc_type} cannot hold {lo}..{hi}")
        _verify_activation(self, c, o.element_type)



@irdl_op_definition
class UpsampleOp(_MapUnitOp):
    """Nearest-neighbour upsampling by integer factors (`scales` = (sH, sW)): output pixel
    (h, w) is input pixel (h // sH, w // sW). PE channel lanes in and out; a row buffer in
    hardware (each input row is written sH times)."""

    name = "dataflow.upsample"
    scales = prop_def(DenseArrayBase)
    pe = prop_def(IntegerAttr[I64])

    def rows_per_input_row(self) -> int:
        return _ints(self.scales)[0]

    def map_frames(self, m: np.ndarray) -> np.ndarray:
        """Maps (B, H, W, C) → the upsampled maps."""
        sh, sw = _ints(self.scales)
        return np.repeat(np.repeat(m, sh, axis=1), sw, axis=2)

    def lane_options(self) -> list[int]:
        return [d for d in range(1, self.channels + 1) if self.channels % d == 0]

    def fold_space(self) -> list[Fold]:
        return [{"pe": p} for p in self.lane_options()]

    def cycles_at(self, fold: Fold) -> int:
        return max(self.in_type.n, self.out_type.n) // fold["pe"]

    def resources_at(self, fold: Fold) -> res.Estimate:
        return self.row_gather_resources(fold)

    def verify_(self) -> None:
        self._verify_map()
        sh, sw = _ints(self.scales)
        i, o = self.in_type, self.out_type
        pe, c = self.pe.value.data, self.channels
        _check_lanes(self, pe, c)
        if min(sh, sw) < 1 or i.element_type != o.element_type or \
                (o.n, o.p, i.p) != (i.n * sh * sw, pe, pe):
            raise VerifyException(f"{self.name}: output must be the input upsampled by "
                                  f"({sh}, {sw}), {pe} lanes in and out")


@irdl_op_definition
class DepthToSpaceOp(_MapUnitOp):
    """ONNX DepthToSpace on a channels-last map (H, W, C·b²) → (H·b, W·b, C), `mode` DCR or
    CRD. PE channel lanes (CRD interleaves channels, so one lane); a row buffer in hardware
    (each input row becomes b output rows)."""

    name = "dataflow.depth_to_space"
    blocksize = prop_def(IntegerAttr[I64])
    mode = prop_def(StringAttr)
    pe = prop_def(IntegerAttr[I64])

    def rows_per_input_row(self) -> int:
        return self.blocksize.value.data

    def map_frames(self, m: np.ndarray) -> np.ndarray:
        """Maps (B, H, W, C·b²) → (B, H·b, W·b, C)."""
        return depth_to_space_nhwc(m, self.blocksize.value.data, self.mode.data)

    def lane_options(self) -> list[int]:
        c = self.channels // self.blocksize.value.data ** 2
        return [1] if self.mode.data == "CRD" else [d for d in range(1, c + 1) if c % d == 0]

    def fold_space(self) -> list[Fold]:
        return [{"pe": p} for p in self.lane_options()]

    def cycles_at(self, fold: Fold) -> int:
        return self.in_type.n // fold["pe"]

    def resources_at(self, fold: Fold) -> res.Estimate:
        return self.row_gather_resources(fold)

    def verify_(self) -> None:
        self._verify_map()
        b = self.blocksize.value.data
        i, o = self.in_type, self.out_type
        pe = self.pe.value.data
        if self.mode.data not in ("DCR", "CRD"):
            raise VerifyException(f"{self.name}: mode must be DCR or CRD")
        if b < 1 or self.channels % (b * b):
            raise VerifyException(f"{self.name}: {self.channels} channels are not blocks of {b}x{b}")
        if pe not in self.lane_options():
            raise VerifyException(f"{self.name}: {pe} lanes cannot carry {self.mode.data} "
                                  f"output channels whole")
        if i.element_type != o.element_type or (o.n, o.p, i.p) != (i.n, pe, pe):
            raise VerifyException(f"{self.name}: output must hold the input's elements, "
                                  f"{pe} lanes in and out")



@irdl_op_definition
class ConcatOp(Folding, IRDLOperation):
    """Channel concatenation of two streams of the same pixels: per pixel, the `lhs` stream's
    channels, then the `rhs` stream's. One element type; PE lanes dividing both channel
    counts."""

    name = "dataflow.concat"
    lhs = operand_def(StreamType)
    rhs = operand_def(StreamType)
    output = result_def(StreamType)
    lhs_channels = prop_def(IntegerAttr[I64])
    rhs_channels = prop_def(IntegerAttr[I64])
    pe = prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` "
                       "type($output)")

    @property
    def channels(self) -> int:
        return self.lhs_channels.value.data + self.rhs_channels.value.data

    @property
    def in_type(self) -> StreamType:
        return _stream(self.lhs)

    @property
    def out_type(self) -> StreamType:
        return _stream(self.output)

    def lane_options(self) -> list[int]:
        ca, cb = self.lhs_channels.value.data, self.rhs_channels.value.data
        return [d for d in range(1, min(ca, cb) + 1) if ca % d == 0 and cb % d == 0]

    def fold_space(self) -> list[Fold]:
        return [{"pe": p} for p in self.lane_options()]

    def cycles_at(self, fold: Fold) -> int:
        return self.out_type.n // fold["pe"]

    def resources_at(self, fold: Fold) -> res.Estimate:
        return res.concat(self.lhs_channels.value.data, self.rhs_channels.value.data, fold["pe"],
                          self.in_type.element_bits())

    def verify_(self) -> None:
        a, b, o = _stream(self.lhs), _stream(self.rhs), self.out_type
        ca, cb, pe = self.lhs_channels.value.data, self.rhs_channels.value.data, self.pe.value.data
        if not a.element_type == b.element_type == o.element_type:
            raise VerifyException(f"{self.name}: inputs and output must have one element type")
        if ca < 1 or cb < 1 or a.n % ca or b.n % cb or a.n // ca != b.n // cb:
            raise VerifyException(f"{self.name}: inputs of {a.n} and {b.n} elements are not the "
                                  f"same pixels of {ca} and {cb} channels")
        if pe not in self.lane_options() or (a.p, b.p, o.p) != (pe, pe, pe) or o.n != a.n + b.n:
            raise VerifyException(f"{self.name}: PE={pe} lanes must divide both channel counts "
                                  f"and carry all {a.n + b.n} elements")


@irdl_op_definition
class ToStreamOp(IRDLOperation):
    """Host tensor of codes → accelerator input stream (row-major element order)."""

    name = "dataflow.to_stream"
    input = operand_def(TensorType)
    output = result_def(StreamType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        t, s = self.input.type, _stream(self.output)
        if t.element_type != s.element_type or int(np.prod(t.get_shape())) != s.n:
            raise VerifyException(f"{self.name}: tensor {t} does not match stream {s}")


@irdl_op_definition
class FromStreamOp(IRDLOperation):
    """Accelerator output stream → host tensor of codes."""

    name = "dataflow.from_stream"
    input = operand_def(StreamType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        s, t = _stream(self.input), self.output.type
        if t.element_type != s.element_type or int(np.prod(t.get_shape())) != s.n:
            raise VerifyException(f"{self.name}: stream {s} does not match tensor {t}")


Dataflow = Dialect(
    "dataflow",
    [ToStreamOp, FromStreamOp, MVAUOp, ThresholdOp, FifoOp, DwcOp, PadOp, SwgOp, PoolOp, ForkOp,
     AddOp, UpsampleOp, DepthToSpaceOp, ConcatOp],
    [StreamType],
)

UNIT_OPS: tuple[type[IRDLOperation], ...] = (MVAUOp, ThresholdOp, FifoOp, DwcOp, PadOp, SwgOp,
                                             PoolOp, ForkOp, AddOp, UpsampleOp, DepthToSpaceOp,
                                             ConcatOp)
"""Every streaming unit: each has `in_type`, `out_type` (its first input and output stream)
and `cycles()`."""


# ----------------------------------------------------------------------------------------------
# Executable semantics: a stream value is an int64 array (batch, N) of frames.
# ----------------------------------------------------------------------------------------------


def mvau_frames(x: np.ndarray, w: np.ndarray, acc_type) -> np.ndarray:
    """Exact accumulation of frames x (B, V·MW) of V vectors against W (MW, MH), wrapped to the
    acc type: (B, V·MH)."""
    b = x.shape[0]
    acc = x.astype(np.int64).reshape(b, -1, w.shape[0]) @ w.astype(np.int64)
    return wrap(acc.reshape(b, -1), acc_type)


@register_impls
class DataflowFunctions(InterpreterFunctions):
    @impl(ToStreamOp)
    def run_to_stream(self, interp: Interpreter, op: ToStreamOp, args: tuple):
        x = np.asarray(args[0]).astype(np.int64)
        return x.reshape(-1, _stream(op.output).n),

    @impl(FromStreamOp)
    def run_from_stream(self, interp: Interpreter, op: FromStreamOp, args: tuple):
        return np.asarray(args[0]).reshape(tuple(op.output.type.get_shape())),

    @impl(MVAUOp)
    def run_mvau(self, interp: Interpreter, op: MVAUOp, args: tuple):
        acc = mvau_frames(np.asarray(args[0]), dense_to_numpy(op.weights), op.acc_type)
        if op.thresholds is None:
            return acc,
        r = op.requant()
        if r is not None:  # what the hardware computes (proven equal to the thresholds)
            from qnnc.requant import apply_requant

            b = acc.shape[0]
            cnt = apply_requant(acc.reshape(b, -1, op.mh), r).reshape(b, -1)
            return (cnt + op.out_bias.value.data).astype(np.int64),
        return _apply_thresholds(acc, op.thresholds, op.descending, op.out_bias.value.data,
                                 op.out_type.element_type),

    @impl(ThresholdOp)
    def run_threshold(self, interp: Interpreter, op: ThresholdOp, args: tuple):
        return _apply_thresholds(np.asarray(args[0]), op.thresholds, op.descending,
                                 op.out_bias.value.data, op.out_type.element_type),

    @impl(FifoOp)
    def run_fifo(self, interp: Interpreter, op: FifoOp, args: tuple):
        return args[0],

    @impl(DwcOp)
    def run_dwc(self, interp: Interpreter, op: DwcOp, args: tuple):
        return args[0],

    @impl(PadOp)
    def run_pad(self, interp: Interpreter, op: PadOp, args: tuple):
        x = np.asarray(args[0])
        b = x.shape[0]
        t, left, bot, r = _ints(op.pads)
        m = x.reshape(b, op.height, op.width, op.channels)
        m = np.pad(m, ((0, 0), (t, bot), (left, r), (0, 0)), constant_values=op.value.value.data)
        return m.reshape(b, -1),

    @impl(SwgOp)
    def run_swg(self, interp: Interpreter, op: SwgOp, args: tuple):
        x = np.asarray(args[0])
        return sliding_windows(x.reshape(x.shape[0], op.height, op.width, op.channels),
                               _ints(op.kernel), _ints(op.strides), _ints(op.dilations)),

    @impl(PoolOp)
    def run_pool(self, interp: Interpreter, op: PoolOp, args: tuple):
        x = np.asarray(args[0])
        g = x.reshape(x.shape[0], -1, op.window.value.data, op.channels)
        y = g.max(axis=2) if op.mode.data == "max" else g.sum(axis=2)
        return y.reshape(x.shape[0], -1).astype(np.int64),

    @impl(ForkOp)
    def run_fork(self, interp: Interpreter, op: ForkOp, args: tuple):
        return args[0], args[0]

    @impl(AddOp)
    def run_add(self, interp: Interpreter, op: AddOp, args: tuple):
        a, b = (np.asarray(v).astype(np.int64) for v in args)
        acc = wrap(op.ka.value.data * a + op.kb.value.data * b, op.acc_type)
        if op.thresholds is None:
            return acc,
        return _apply_thresholds(acc, op.thresholds, op.descending, op.out_bias.value.data,
                                 op.out_type.element_type),

    @impl(ConcatOp)
    def run_concat(self, interp: Interpreter, op: ConcatOp, args: tuple):
        a, b = (np.asarray(v) for v in args)
        n = a.shape[0]
        return np.concatenate([a.reshape(n, -1, op.lhs_channels.value.data),
                               b.reshape(n, -1, op.rhs_channels.value.data)], axis=2).reshape(n, -1),

    @impl(UpsampleOp)
    def run_upsample(self, interp: Interpreter, op: UpsampleOp, args: tuple):
        return _row_gather(op, np.asarray(args[0])),

    @impl(DepthToSpaceOp)
    def run_depth_to_space(self, interp: Interpreter, op: DepthToSpaceOp, args: tuple):
        return _row_gather(op, np.asarray(args[0])),


def _row_gather(op: UpsampleOp | DepthToSpaceOp, x: np.ndarray) -> np.ndarray:
    m = x.reshape(x.shape[0], op.height, op.width, op.channels)
    return op.map_frames(m).reshape(x.shape[0], -1)

def sliding_windows(m: np.ndarray, kernel, strides, dilations) -> np.ndarray:
    """Frames (B, H, W, C) → (B, Ho·Wo·kH·kW·C): each output pixel's window, kernel positions
    row-major, channels fastest (what `dataflow.swg` streams)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, strides, dilations
    b, h, w, c = m.shape
    ho, wo = (h - (kh - 1) * dh - 1) // sh + 1, (w - (kw - 1) * dw - 1) // sw + 1
    rows = (np.arange(ho) * sh)[:, None, None, None] + (np.arange(kh) * dh)[None, None, :, None]
    cols = (np.arange(wo) * sw)[None, :, None, None] + (np.arange(kw) * dw)[None, None, None, :]
    win = m[:, rows, cols, :]  # (B, Ho, Wo, kH, kW, C)
    return win.reshape(b, -1)


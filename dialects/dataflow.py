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

from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    IntAttr,
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
    irdl_op_definition,
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

from qnnc.dialects.quant import (
    BipolarType,
    code_range,
    dense_to_numpy,
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


def _stream(v: SSAValue) -> StreamType:
    assert isinstance(v.type, StreamType), v.type
    return v.type


class _UnitOp(IRDLOperation):
    """Base of streaming units: one input stream, one output stream."""

    input = operand_def(StreamType)
    output = result_def(StreamType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def cycles(self) -> int:
        """Analytical cycles per frame in steady state."""
        raise NotImplementedError

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


def _apply_thresholds(acc: np.ndarray, t_attr, d_attr, out_bias: int, out_elem) -> np.ndarray:
    cnt = threshold_count(acc, dense_to_numpy(t_attr), dense_to_numpy(d_attr).astype(bool))
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


@irdl_op_definition
class MVAUOp(_UnitOp):
    """Matrix-vector-activation unit: `acc = x @ W` (W: MW×MH codes) per frame, then either
    the accumulator (no thresholds) or `count + out_bias` per output channel.

    Folding: SIMD input lanes × PE output lanes; cycles per frame = (MW/SIMD)·(MH/PE).
    `weight_type` is the element type of the weight codes (`!quant.bipolar` for ±1 weights);
    with bipolar inputs and weights the products are XNORs (`binary_xnor`)."""

    name = "dataflow.mvau"
    weights = prop_def(DenseIntOrFPElementsAttr)
    weight_type = prop_def(Attribute)
    acc_type = prop_def(IntegerType)
    pe = prop_def(IntegerAttr[I64])
    simd = prop_def(IntegerAttr[I64])
    thresholds = opt_prop_def(DenseIntOrFPElementsAttr)
    descending = opt_prop_def(DenseIntOrFPElementsAttr)
    out_bias = opt_prop_def(IntegerAttr[I64])

    @property
    def mw(self) -> int:
        return tensor_shape(self.weights.type)[0]

    @property
    def mh(self) -> int:
        return tensor_shape(self.weights.type)[1]

    def n_thresholds(self) -> int:
        return 0 if self.thresholds is None else tensor_shape(self.thresholds.type)[1]

    def binary_xnor(self) -> bool:
        return isinstance(self.weight_type, BipolarType) and isinstance(
            self.in_type.element_type, BipolarType)

    def cycles(self) -> int:
        return (self.mw // self.simd.value.data) * (self.mh // self.pe.value.data)

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
        if (i.n, i.p) != (mw, simd):
            raise VerifyException(f"{self.name}: input stream must carry {mw} elements, "
                                  f"{simd} per beat")
        if (o.n, o.p) != (mh, pe):
            raise VerifyException(f"{self.name}: output stream must carry {mh} elements, "
                                  f"{pe} per beat")
        if not is_code_type(self.weight_type):
            raise VerifyException(f"{self.name}: weight_type must be an integer code type")
        wlo, whi = code_range(self.weight_type)
        if w.size and (w.min() < wlo or w.max() > whi):
            raise VerifyException(f"{self.name}: weights outside {self.weight_type}")
        if isinstance(self.weight_type, BipolarType) and np.any(w == 0):
            raise VerifyException(f"{self.name}: bipolar weights must be +1/-1")
        # the accumulator type must hold every reachable sum
        xlo, xhi = code_range(i.element_type)
        if isinstance(i.element_type, BipolarType):
            xlo = -1
        hi = np.maximum(w * xhi, w * xlo).sum(axis=0).max(initial=0)
        lo = np.minimum(w * xhi, w * xlo).sum(axis=0).min(initial=0)
        alo, ahi = code_range(self.acc_type)
        if lo < alo or hi > ahi:
            raise VerifyException(f"{self.name}: accumulator {self.acc_type} cannot hold "
                                  f"{lo}..{hi}")
        has_t = self.thresholds is not None
        if has_t != (self.descending is not None) or has_t != (self.out_bias is not None):
            raise VerifyException(f"{self.name}: thresholds, descending and out_bias go together")
        if has_t:
            _verify_thresholds(self, mh, self.thresholds, self.descending,
                               self.out_bias.value.data, o.element_type)
            t = dense_to_numpy(self.thresholds)
            if t.size and (t.min() < alo or t.max() > ahi):
                raise VerifyException(f"{self.name}: thresholds do not fit {self.acc_type}")
        elif o.element_type != self.acc_type:
            raise VerifyException(f"{self.name}: without thresholds the output is the accumulator")


@irdl_op_definition
class ThresholdOp(_UnitOp):
    """Standalone multi-thresholding of a stream of C channels (PE lanes per beat)."""

    name = "dataflow.threshold"
    thresholds = prop_def(DenseIntOrFPElementsAttr)
    descending = prop_def(DenseIntOrFPElementsAttr)
    out_bias = prop_def(IntegerAttr[I64])
    pe = prop_def(IntegerAttr[I64])

    def cycles(self) -> int:
        return self.in_type.n // self.pe.value.data

    def verify_(self) -> None:
        i, o = self.in_type, self.out_type
        pe = self.pe.value.data
        if i.n != o.n or i.p != pe or o.p != pe:
            raise VerifyException(f"{self.name}: input and output must carry the same frame "
                                  f"with PE={pe} lanes")
        if isinstance(i.element_type, BipolarType):
            raise VerifyException(f"{self.name}: bipolar input cannot be thresholded")
        _verify_thresholds(self, i.n, self.thresholds, self.descending, self.out_bias.value.data,
                           o.element_type)


@irdl_op_definition
class FifoOp(_UnitOp):
    """A FIFO of `depth` beats; the stream type passes through unchanged."""

    name = "dataflow.fifo"
    depth = prop_def(IntegerAttr[I64])

    def cycles(self) -> int:
        return self.in_type.beats

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise VerifyException(f"{self.name}: input and output stream types differ")
        if self.depth.value.data < 2:
            raise VerifyException(f"{self.name}: depth must be at least 2")


@irdl_op_definition
class DwcOp(_UnitOp):
    """Data width converter: same frame and element type, different lanes per beat."""

    name = "dataflow.dwc"

    def cycles(self) -> int:
        return max(self.in_type.beats, self.out_type.beats)

    def verify_(self) -> None:
        i, o = self.in_type, self.out_type
        if i.element_type != o.element_type or i.n != o.n:
            raise VerifyException(f"{self.name}: only the lanes may change")


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
    [ToStreamOp, FromStreamOp, MVAUOp, ThresholdOp, FifoOp, DwcOp],
    [StreamType],
)

UNIT_OPS: tuple[type[_UnitOp], ...] = (MVAUOp, ThresholdOp, FifoOp, DwcOp)


# ----------------------------------------------------------------------------------------------
# Executable semantics: a stream value is an int64 array (batch, N) of frames.
# ----------------------------------------------------------------------------------------------


def mvau_frames(x: np.ndarray, w: np.ndarray, acc_type) -> np.ndarray:
    """Exact accumulation of frames x (B, MW) against W (MW, MH), wrapped to the acc type."""
    return wrap(x.astype(np.int64) @ w.astype(np.int64), acc_type)


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

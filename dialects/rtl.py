"""The `rtl` dialect: modules, ports, instances and ROMs with typed fixed-point values.

This is the structural level the Verilog printer reads. Values are typed:
* `!rtl.fixed<W, F>` / `!rtl.ufixed<W, F>`: signed / unsigned W-bit numbers with F fractional
  bits (real = integer · 2^-F; integer codes have F = 0). `!quant.bipolar` stays a 1-bit code.
* `!rtl.stream<T, N, P>`: a ready/valid (AXI-Stream) bundle carrying frames of N elements of T,
  P per beat; its `tdata` is P·width(T) bits, lane 0 in the LSBs.
* `!rtl.rom<W, D>`: a read-only memory of D words of W bits (combinational read).

Ops:
* `rtl.module @name(%in: stream) -> stream { ... rtl.output %s }`: one hardware module; every
  module also has `clk` and `rst_n`.
* `rtl.rom`: ROM contents as a (D, lanes) integer array packed lane 0 first (`lane_width` bits
  per lane, two's complement).
* `rtl.cell`: an instance of a parameterised library cell, declared once in `CELLS` (its
  parameters, stream ports, ROM ports and bit-true semantics; the Verilog and HLS libraries
  implement it). Operands: the input streams in declared order, then the ROMs; results: the
  output streams (a `qnnc_fork` has two, a `qnnc_add` and a `qnnc_concat` read two).
* `rtl.instance`: an instance of an `rtl.module`.
* `rtl.to_stream` / `rtl.from_stream`: the host boundary (tensor of codes ↔ stream).

Semantics (`RtlFunctions`) are bit-true: cells decode their ROM words exactly as the hardware
does, accumulate and wrap at the declared widths, so a wrong ROM layout or width shows up when
the module is run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    FlatSymbolRefAttr,
    FunctionType,
    IntAttr,
    IntegerAttr,
    IntegerType,
    I64,
    StringAttr,
    TensorType,
)
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, impl_terminator, ReturnedValues, register_impls
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute, Region, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    lazy_traits_def,
    opt_prop_def,
    operand_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, Pure, SymbolOpInterface
from xdsl.utils.exceptions import VerifyException

from qnnc.dialects.formats import irdl_op_definition  # formats parsed when first used
from qnnc.dialects.dataflow import FramedStreamBase
from qnnc.dialects.codes import BipolarType, dense_to_numpy, is_code_type


def _parse_two_ints(parser: AttrParser) -> tuple[IntAttr, IntAttr]:
    with parser.in_angle_brackets():
        a = parser.parse_integer()
        parser.parse_punctuation(",")
        b = parser.parse_integer()
    return IntAttr(a), IntAttr(b)


# A dataclass so that the subclasses' (frozen) dataclasses inherit `width`/`frac` as fields:
# without it FixedType had no fields, so __eq__/__hash__ ignored the parameters and
# !rtl.fixed<2, 0> == !rtl.fixed<3, 0> (port and operand type checks passed on mismatches).
@dataclass(frozen=True, init=False)
class _FixedBase(ParametrizedAttribute, TypeAttribute):
    width: IntAttr
    frac: IntAttr

    def __init__(self, width: int, frac: int = 0):
        super().__init__(IntAttr(width), IntAttr(frac))

    @classmethod
    def parse_parameters(cls, parser: AttrParser):
        return _parse_two_ints(parser)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{self.width.data}, {self.frac.data}>")

    def verify(self) -> None:
        if self.width.data < 1:
            raise VerifyException(f"{self.name}: width must be positive")


@irdl_attr_definition
class FixedType(_FixedBase):
    """`!rtl.fixed<W, F>`: signed two's-complement, F fractional bits."""

    name = "rtl.fixed"


@irdl_attr_definition
class UFixedType(_FixedBase):
    """`!rtl.ufixed<W, F>`: unsigned, F fractional bits."""

    name = "rtl.ufixed"


def is_rtl_value_type(t: Attribute) -> bool:
    return isinstance(t, (FixedType, UFixedType, BipolarType))


def bit_width(t: Attribute) -> int:
    return 1 if isinstance(t, BipolarType) else t.width.data  # type: ignore[union-attr]


def from_code_type(t: Attribute) -> Attribute:
    """Element type at rtl level for a quant/dataflow integer code type."""
    if isinstance(t, BipolarType):
        return t
    assert isinstance(t, IntegerType)
    from xdsl.dialects.builtin import Signedness

    if t.signedness.data == Signedness.UNSIGNED:
        return UFixedType(t.width.data, 0)
    return FixedType(t.width.data, 0)


@irdl_attr_definition
class StreamType(FramedStreamBase):
    """`!rtl.stream<T, N, P>`: a ready/valid bundle of P lanes of T, frames of N elements."""

    name = "rtl.stream"

    def verify(self) -> None:
        if not is_rtl_value_type(self.element_type):
            raise VerifyException(f"rtl.stream elements must be fixed-point or bipolar, got "
                                  f"{self.element_type}")
        if self.lanes.data < 1 or self.frame.data % self.lanes.data:
            raise VerifyException(f"rtl.stream: {self.lanes.data} lanes do not divide "
                                  f"{self.frame.data} elements")

    @property
    def data_width(self) -> int:
        return self.lanes.data * bit_width(self.element_type)


@irdl_attr_definition
class RomType(ParametrizedAttribute, TypeAttribute):
    """`!rtl.rom<W, D>`: D words of W bits."""

    name = "rtl.rom"
    width: IntAttr
    depth: IntAttr

    def __init__(self, width: int, depth: int):
        super().__init__(IntAttr(width), IntAttr(depth))

    @classmethod
    def parse_parameters(cls, parser: AttrParser):
        return _parse_two_ints(parser)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{self.width.data}, {self.depth.data}>")


@irdl_op_definition
class OutputOp(IRDLOperation):
    """Terminator of `rtl.module`: the streams it drives on its output ports."""

    name = "rtl.output"
    outputs = var_operand_def(StreamType)
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(ModuleOp)))
    assembly_format = "($outputs^ `:` type($outputs))? attr-dict"


@irdl_op_definition
class ModuleOp(IRDLOperation):
    """A hardware module with stream ports (plus implicit clk / rst_n)."""

    name = "rtl.module"
    sym_name = prop_def(StringAttr)
    function_type = prop_def(FunctionType)
    body = region_def("single_block")
    traits = traits_def(SymbolOpInterface(), IsolatedFromAbove())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$sym_name `:` $function_type attr-dict-with-keyword $body"

    def __init__(self, name: str, inputs: list[Attribute], outputs: list[Attribute], body: Region):
        super().__init__(properties={"sym_name": StringAttr(name),
                                     "function_type": FunctionType.from_lists(inputs, outputs)},
                         regions=[body])

    def verify_(self) -> None:
        block = self.body.block
        ft = self.function_type
        if tuple(a.type for a in block.args) != tuple(ft.inputs.data):
            raise VerifyException(f"{self.name} @{self.sym_name.data}: block arguments do not "
                                  f"match the input ports")
        term = block.last_op
        if not isinstance(term, OutputOp) or tuple(v.type for v in term.outputs) != tuple(ft.outputs.data):
            raise VerifyException(f"{self.name} @{self.sym_name.data}: rtl.output does not "
                                  f"match the output ports")


@irdl_op_definition
class RomOp(IRDLOperation):
    """A ROM: word d is lanes `data[d, :]`, lane 0 in the LSBs.

    `latency` is its read latency in cycles: 0 (absent) a combinational read, 1 a registered
    one, and must equal that of the cell port reading it (`RomPort.latency`). `style` says where
    it lives, `"block"` (block RAM, which reads synchronously, so latency 1) or `"distributed"`
    (LUTs, the default); the lowering decides by `dialects/memory.rom_style`, so the report, the
    resource estimate and synthesis (told by a `rom_style` attribute) agree."""

    name = "rtl.rom"
    data = prop_def(DenseIntOrFPElementsAttr)
    lane_width = prop_def(IntegerAttr[I64])
    latency = opt_prop_def(IntegerAttr[I64])
    style = opt_prop_def(StringAttr)
    result = result_def(RomType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($result)"

    def verify_(self) -> None:
        d = dense_to_numpy(self.data)
        lw = self.lane_width.value.data
        if d.ndim != 2:
            raise VerifyException(f"{self.name}: data must be (depth, lanes)")
        t = self.result.type
        if (t.depth.data, t.width.data) != (d.shape[0], d.shape[1] * lw):
            raise VerifyException(f"{self.name}: type {t} does not match {d.shape[0]} words of "
                                  f"{d.shape[1]}x{lw} bits")
        if d.size and (d.min() < -(2 ** (lw - 1)) or d.max() >= 2 ** lw):
            raise VerifyException(f"{self.name}: values do not fit {lw} bits")
        if self.read_latency() not in (0, 1):
            raise VerifyException(f"{self.name}: read latency must be 0 or 1")
        if self.placement() not in ROM_STYLES:
            raise VerifyException(f"{self.name}: style must be one of {', '.join(ROM_STYLES)}")
        if self.placement() == "block" and self.read_latency() != 1:
            raise VerifyException(f"{self.name}: block RAM reads synchronously (latency 1)")

    def read_latency(self) -> int:
        return 0 if self.latency is None else self.latency.value.data

    def placement(self) -> str:
        return "distributed" if self.style is None else self.style.data

    def words(self) -> np.ndarray:
        return dense_to_numpy(self.data)


@irdl_op_definition
class CellOp(IRDLOperation):
    """An instance of a library cell with integer parameters."""

    name = "rtl.cell"
    inputs = var_operand_def()
    outputs = var_result_def(StreamType)
    cell = prop_def(StringAttr)
    instance_name = prop_def(StringAttr)
    params = prop_def(DictionaryAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$cell `(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs)"

    def verify_(self) -> None:
        spec = CELLS.get(self.cell.data)
        if spec is None:
            raise VerifyException(f"{self.name}: unknown cell '{self.cell.data}'")
        n_in = len(spec.inputs)
        n_roms = len(self.inputs) - n_in
        conditional = any(r.used is not None for r in spec.roms)
        if conditional:  # which ROMs it takes depends on the parameters: check those first
            self._verify_params(spec)
            used = spec.used_roms(self.param)
            if n_roms != len(used):
                raise VerifyException(f"{self.name}: {self.cell.data} takes {n_in + len(used)} "
                                      f"operands with these parameters (ROMs "
                                      f"{', '.join(r.name for r in used)})")
        elif n_roms not in (len(spec.roms), len(spec.roms) - spec.optional_roms):
            alt = (f" ({n_in + len(spec.roms) - spec.optional_roms} without its last "
                   f"{spec.optional_roms} ROMs)" if spec.optional_roms else "")
            raise VerifyException(f"{self.name}: {self.cell.data} takes {n_in + len(spec.roms)} "
                                  f"operands{alt}")
        if len(self.outputs) != len(spec.outputs):
            raise VerifyException(f"{self.name}: {self.cell.data} has {len(spec.outputs)} "
                                  f"result{'s' if len(spec.outputs) > 1 else ''}")
        for port, v in zip(spec.inputs, self.inputs):
            if not isinstance(v.type, StreamType):
                raise VerifyException(f"{self.name}: operand '{port}' of {self.cell.data} must be "
                                      "a stream (the input streams come first, then the ROMs)")
        for v in self.inputs[n_in:]:
            if not isinstance(v.type, RomType):
                raise VerifyException(f"{self.name}: operands after the streams must be ROMs")
        if not conditional:
            self._verify_params(spec)
            used = spec.roms
        for port, v in zip(used, self.inputs[n_in:]):
            want = RomType(port.width(self.param), port.depth(self.param))
            if v.type != want:
                raise VerifyException(f"{self.name}: ROM port '{port.name}' of {self.cell.data} "
                                      f"is {want}, got {v.type}")
            rom = v.owner if isinstance(v.owner, RomOp) else None
            if rom is not None and rom.read_latency() != port.latency:
                raise VerifyException(f"{self.name}: ROM port '{port.name}' of {self.cell.data} "
                                      f"reads with latency {port.latency}, the ROM has "
                                      f"{rom.read_latency()}")

    def _verify_params(self, spec: "CellSpec") -> None:
        for k, v in self.params.data.items():
            if not isinstance(v, IntegerAttr):
                raise VerifyException(f"{self.name}: parameter {k} must be an integer")
        given = set(self.params.data)
        if not given <= set(spec.params) or set(spec.params) - given - set(dict(spec.defaults)):
            raise VerifyException(f"{self.name}: {self.cell.data} has parameters "
                                  f"{', '.join(spec.params)}; got {', '.join(self.params.data)}")

    def param(self, key: str) -> int:
        """A parameter's value (a declared default where the instance omits it)."""
        v = self.params.data.get(key)
        if v is None:
            d = CELLS[self.cell.data].default(key) if self.cell.data in CELLS else None
            if d is None:
                raise KeyError(key)
            return d
        return v.value.data  # type: ignore[union-attr]

    def spec(self) -> "CellSpec":
        return CELLS[self.cell.data]

    def stream_inputs(self) -> list[tuple[str, SSAValue]]:
        """The input streams with their port names (`CellSpec.inputs`), in declared order."""
        ports = self.spec().inputs
        return list(zip(ports, self.inputs[:len(ports)]))

    def stream_outputs(self) -> list[tuple[str, SSAValue]]:
        """The output streams with their port names (`CellSpec.outputs`), in declared order."""
        return list(zip(self.spec().outputs, self.outputs))

    def roms(self) -> list[tuple["RomPort", "SSAValue | None"]]:
        """Every ROM port of the cell with the ROM bound to it (None where omitted)."""
        given = iter(self.inputs[len(self.spec().inputs):])
        used = self.spec().used_roms(self.param)
        return [(port, next(given, None) if port in used else None)
                for port in self.spec().roms]


@irdl_op_definition
class InstanceOp(IRDLOperation):
    """An instance of an `rtl.module`."""

    name = "rtl.instance"
    inputs = var_operand_def(StreamType)
    outputs = var_result_def(StreamType)
    module = prop_def(FlatSymbolRefAttr)
    instance_name = prop_def(StringAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$module `(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs)"

    def verify_(self) -> None:
        from xdsl.traits import SymbolTable

        target = SymbolTable.lookup_symbol(self, self.module)
        if target is None:
            return  # a module printed on its own; the full module is checked when linked
        if not isinstance(target, ModuleOp):
            raise VerifyException(f"{self.name}: @{self.module.root_reference.data} is not an "
                                  "rtl.module")
        ft = target.function_type
        if tuple(v.type for v in self.inputs) != tuple(ft.inputs.data) or \
                tuple(r.type for r in self.outputs) != tuple(ft.outputs.data):
            raise VerifyException(f"{self.name}: ports do not match "
                                  f"@{self.module.root_reference.data}")


def _check_boundary(op: IRDLOperation, tensor_type, stream: "StreamType") -> None:
    elem = tensor_type.element_type
    n = 1
    for d in tensor_type.get_shape():
        n *= d
    if n != stream.frame.data:
        raise VerifyException(f"{op.name}: tensor of {n} elements, stream frame of "
                              f"{stream.frame.data}")
    if not is_code_type(elem) or from_code_type(elem) != stream.element_type:
        raise VerifyException(f"{op.name}: tensor element {elem} does not match stream "
                              f"element {stream.element_type}")


@irdl_op_definition
class ToStreamOp(IRDLOperation):
    """Host tensor of codes → the top module's input stream."""

    name = "rtl.to_stream"
    input = operand_def(TensorType)
    output = result_def(StreamType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        _check_boundary(self, self.input.type, self.output.type)


@irdl_op_definition
class FromStreamOp(IRDLOperation):
    """The top module's output stream → host tensor of codes."""

    name = "rtl.from_stream"
    input = operand_def(StreamType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        _check_boundary(self, self.output.type, self.input.type)


ROM_STYLES = ("block", "distributed")
"""Where an `rtl.rom` lives: block RAM or LUTs."""


Rtl = Dialect(
    "rtl",
    [ModuleOp, OutputOp, RomOp, CellOp, InstanceOp, ToStreamOp, FromStreamOp],
    [FixedType, UFixedType, StreamType, RomType],
)


# ----------------------------------------------------------------------------------------------
# Executable semantics (bit-true)
# ----------------------------------------------------------------------------------------------


def wrap_bits(v: np.ndarray, width: int, signed: bool) -> np.ndarray:
    v = v.astype(np.int64)
    m = np.int64(1) << width
    r = v & (m - 1)
    return np.where(r >= (m >> 1), r - m, r) if signed else r


def _groups(x: np.ndarray, size: int) -> np.ndarray:
    """A stream frame (B, V·size) as its V groups (B, V, size): a unit that works on groups (an
    MVAU on the V = OH·OW pixels of a convolution) repeats its behaviour per group."""
    x = np.asarray(x, dtype=np.int64)
    if x.shape[-1] % size:
        raise ValueError(f"a frame of {x.shape[-1]} elements is not a whole number of groups of "
                         f"{size}")
    return x.reshape(x.shape[0], -1, size)


def _count_thresholds(v: np.ndarray, t: np.ndarray, desc: np.ndarray) -> np.ndarray:
    """Thresholds passed per element: v (..., C) against t (C, K), desc (C,) (1 = descending)."""
    a = v[..., None]
    return np.where(desc, np.count_nonzero(a <= t, axis=-1), np.count_nonzero(a >= t, axis=-1))


def mvau_cell(x: np.ndarray, cell: CellOp, w_rom: np.ndarray, t_rom: np.ndarray | None = None,
              d_rom: np.ndarray | None = None) -> np.ndarray:
    """qnnc_mvau on frames x (B, V·MW) of V vectors, reading weights and the activation's ROMs
    (ACT = 0: thresholds t and directions t_desc; ACT = 1: multipliers rq_mult and offsets
    rq_offset, which then arrive as t_rom, d_rom) from ROM words; the result is (B, V·MH).

    ACT = 1 (multiply-shift): count = clamp(floor((acc·M + B) / 2^SHIFT), 0, N_THRES) with M
    an M_W-bit and B a B_W-bit two's-complement number per row, exact (the cell's product and
    sum are wide enough); then count + OUT_BIAS as with thresholds."""
    p = cell.param
    mw, mh, simd, pe = p("MW"), p("MH"), p("SIMD"), p("PE")
    sf, nf = mw // simd, mh // pe
    w = np.zeros((mw, mh), dtype=np.int64)
    words = w_rom.reshape(nf, sf, pe, simd)
    for n in range(nf):
        for s in range(sf):
            w[s * simd:(s + 1) * simd, n * pe:(n + 1) * pe] = words[n, s].T
    if p("W_BIPOLAR"):
        w = np.where(w & 1, 1, -1)
    else:
        w = wrap_bits(w, p("W_W"), bool(p("W_SIGNED")))
    x = _groups(x, mw)
    xv = np.where(x & 1, 1, -1) if p("IN_BIPOLAR") else wrap_bits(x, p("IN_W"), bool(p("IN_SIGNED")))
    acc = wrap_bits(xv @ w, p("ACC_W"), True)
    k = p("N_THRES")
    if k == 0:
        # The output lanes carry the accumulator's ACC_W bits; read them as the output stream's
        # element type (an unsigned accumulator, e.g. ui9, is !rtl.ufixed: its bits >= 2^8 are
        # not a sign). Returning the signed view made sums >= 2^(ACC_W-1) negative. Found by
        # tests/property/test_lowerings.py.
        return _out_code(acc, cell).reshape(x.shape[0], -1)
    if p("ACT") == 1:
        m = wrap_bits(np.asarray(t_rom).reshape(mh), p("M_W"), True)
        b = wrap_bits(np.asarray(d_rom).reshape(mh), p("B_W"), True)
        if p("ACC_W") + p("M_W") > 62 or p("B_W") > 62:
            raise ValueError("qnnc_mvau: the multiply-shift exceeds 62 bits")
        cnt = np.clip((acc * m + b) >> p("SHIFT"), 0, k)
        return _out_code(cnt + p("OUT_BIAS"), cell).reshape(x.shape[0], -1)
    t = wrap_bits(t_rom.reshape(mh, k), p("ACC_W"), True)
    desc = (d_rom.reshape(mh) & 1).astype(bool)
    return _out_code(_count_thresholds(acc, t, desc) + p("OUT_BIAS"), cell).reshape(x.shape[0], -1)


def thres_cell(x: np.ndarray, cell: CellOp, t_rom: np.ndarray, d_rom: np.ndarray) -> np.ndarray:
    """qnnc_thres on frames of V pixels of C channels (B, V·C)."""
    p = cell.param
    c, k = p("C"), p("N_THRES")
    x = _groups(x, c)
    xv = wrap_bits(x, p("IN_W"), bool(p("IN_SIGNED")))
    t = wrap_bits(t_rom.reshape(c, k), p("T_W"), True)
    desc = (d_rom.reshape(c) & 1).astype(bool)
    return _out_code(_count_thresholds(xv, t, desc) + p("OUT_BIAS"), cell).reshape(x.shape[0], -1)


def pad_cell(x: np.ndarray, cell: CellOp) -> np.ndarray:
    """qnnc_pad: (H, W, C) maps to (H+PT+PB, W+PL+PR, C) with a border of code VALUE."""
    p = cell.param
    h, w, c = p("H"), p("W"), p("C")
    x = np.asarray(x, dtype=np.int64).reshape(-1, h, w, c)
    value = _out_code(np.int64(p("VALUE")), cell)
    y = np.full((x.shape[0], h + p("PT") + p("PB"), w + p("PL") + p("PR"), c), value,
                dtype=np.int64)
    y[:, p("PT"):p("PT") + h, p("PL"):p("PL") + w, :] = x
    return y.reshape(x.shape[0], -1)


def swg_out_dims(p: Callable[[str], int]) -> tuple[int, int]:
    """(OH, OW) of a sliding-window generator: the windows that fit, rows/columns left over
    are dropped."""
    oh = (p("H") - (p("KH") - 1) * p("DH") - 1) // p("SH") + 1
    ow = (p("W") - (p("KW") - 1) * p("DW") - 1) // p("SW") + 1
    return oh, ow


def swg_cell(x: np.ndarray, cell: CellOp) -> np.ndarray:
    """qnnc_swg: for every output pixel (oh, ow), its KH·KW window of C channels: input pixel
    (oh·SH + kh·DH, ow·SW + kw·DW), kh, kw row-major, channels fastest."""
    p = cell.param
    h, w, c = p("H"), p("W"), p("C")
    oh, ow = swg_out_dims(p)
    x = np.asarray(x, dtype=np.int64).reshape(-1, h, w, c)
    rows = (np.arange(oh) * p("SH"))[:, None] + (np.arange(p("KH")) * p("DH"))[None, :]
    cols = (np.arange(ow) * p("SW"))[:, None] + (np.arange(p("KW")) * p("DW"))[None, :]
    # y[b, oh, ow, kh, kw, c] = x[b, rows[oh, kh], cols[ow, kw], c]
    y = x[:, rows[:, None, :, None], cols[None, :, None, :], :]
    return y.reshape(x.shape[0], -1)


def pool_cell(x: np.ndarray, cell: CellOp) -> np.ndarray:
    """qnnc_pool on groups of K window positions of C channels: MODE 0 the maximum (on a
    bipolar element's bit, the OR), MODE 1 the sum, per channel; elements read as IN_W-bit
    numbers (signed when IN_SIGNED)."""
    p = cell.param
    k, c = p("K"), p("C")
    g = _groups(x, k * c).reshape(np.shape(x)[0], -1, k, c)
    v = wrap_bits(g, p("IN_W"), bool(p("IN_SIGNED")))
    y = v.max(axis=2) if p("MODE") == 0 else v.sum(axis=2)
    return _out_code(y, cell).reshape(g.shape[0], -1)


def add_cell(a: np.ndarray, b: np.ndarray, cell: CellOp, t_rom: np.ndarray | None = None,
             d_rom: np.ndarray | None = None) -> np.ndarray:
    """qnnc_add: acc = KA·a + KB·b (signed ACC_W bits), then thresholds per channel as the
    MVAU's (N_THRES > 0) or acc itself."""
    p = cell.param
    c = p("C")
    av = wrap_bits(_groups(a, c), p("A_W"), bool(p("A_SIGNED")))
    bv = wrap_bits(_groups(b, c), p("B_W"), bool(p("B_SIGNED")))
    acc = wrap_bits(p("KA") * av + p("KB") * bv, p("ACC_W"), True)
    k = p("N_THRES")
    if k == 0:
        return _out_code(acc, cell).reshape(av.shape[0], -1)
    t = wrap_bits(t_rom.reshape(c, k), p("ACC_W"), True)
    desc = (d_rom.reshape(c) & 1).astype(bool)
    return _out_code(_count_thresholds(acc, t, desc) + p("OUT_BIAS"), cell).reshape(av.shape[0], -1)


def concat_cell(a: np.ndarray, b: np.ndarray, cell: CellOp) -> np.ndarray:
    """qnnc_concat: frames of a (B, V·CA) and b (B, V·CB) of the same V pixels become
    (B, V·(CA+CB)), each pixel a's CA channels then b's CB; the elements' bits are copied (read
    back as the output's element type)."""
    p = cell.param
    ga, gb = _groups(a, p("CA")), _groups(b, p("CB"))
    if ga.shape[:2] != gb.shape[:2]:
        raise ValueError(f"qnnc_concat: {ga.shape[1]} pixels of CA = {p('CA')} channels on a, "
                         f"{gb.shape[1]} of CB = {p('CB')} on b")
    return _out_code(np.concatenate([ga, gb], axis=-1), cell).reshape(ga.shape[0], -1)


def _out_code(v: np.ndarray, cell: CellOp) -> np.ndarray:
    """The output lane's value as its stream element type reads it back."""
    t = cell.outputs[0].type.element_type
    if isinstance(t, BipolarType):
        return v & 1  # the bit on the wire
    return wrap_bits(v, bit_width(t), isinstance(t, FixedType))


def _rowmap_src_width(p) -> int:
    """Bits of a qnnc_rowmap source index: max(1, clog2(ROW_IN))."""
    return max(1, (p("ROW_IN") - 1).bit_length())


def rowmap_cell(x: np.ndarray, cell: CellOp, src_rom: np.ndarray) -> np.ndarray:
    """qnnc_rowmap on frames x (..., N), N = groups·ROW_IN·P: for every group of ROW_IN beats
    (P lanes each), output beat j is input beat src[j] of the same group, copied whole."""
    p = cell.param
    row_in, row_out, lanes = p("ROW_IN"), p("ROW_OUT"), p("P")
    x = np.asarray(x)
    if x.shape[-1] % (row_in * lanes):
        raise ValueError(f"qnnc_rowmap: a frame of {x.shape[-1]} elements is not whole groups of "
                         f"ROW_IN·P = {row_in * lanes}")
    src = wrap_bits(np.asarray(src_rom).reshape(row_out), _rowmap_src_width(p), False)
    if src.max() >= row_in:
        j = int(np.argmax(src >= row_in))
        raise ValueError(f"qnnc_rowmap: src[{j}] = {src[j]} is not a beat of a {row_in}-beat group")
    groups = x.reshape(x.shape[:-1] + (-1, row_in, lanes))
    return groups[..., src, :].reshape(x.shape[:-1] + (-1,))


def _passthrough_cell(inputs: list[np.ndarray], cell: CellOp, *roms) -> list[np.ndarray]:
    """FIFOs and width converters move elements without changing them."""
    return [inputs[0]]


# ----------------------------------------------------------------------------------------------
# Library cells, each declared once: parameters, stream and ROM ports with their shapes,
# semantics. The rtl verifier, the interpreter, the lowering, name legalization and every printer
# read these.
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RomPort:
    """A ROM operand of a cell: the cell reads word `addr` and sees it on `data` after `latency`
    cycles (0: in the same cycle, a ROM of LUTs; 1: on the next clock edge, the synchronous read
    block RAM offers). Depth (words) and width (bits) follow from the cell's parameters (`p`
    looks one up)."""

    name: str
    addr: str
    data: str
    depth: Callable[[Callable[[str], int]], int]
    width: Callable[[Callable[[str], int]], int]
    latency: int = 0
    used: Callable[[Callable[[str], int]], bool] | None = None
    """Whether the cell reads this port at the given parameters (None: always). An unused
    port takes no ROM operand; both printers tie it off."""


@dataclass(frozen=True)
class CellSpec:
    """A library cell: `name` is the Verilog module (`backends/verilog/lib/<name>.v`) and, with
    the `qnnc_` prefix dropped, the HLS function `qnnc::<name>` (`backends/hls/lib/qnnc_hls.h`,
    template arguments: beats per frame of the first input stream, then `params` in this order;
    function arguments: the input streams, the output streams, the ROMs, each in declared order).

    `inputs`/`outputs` name the stream ports (Verilog `<port>_tdata/_tvalid/_tready`); an
    `rtl.cell`'s operands are its input streams in this order, then `roms`, the last
    `optional_roms` of which may be omitted; its results are the output streams.
    `semantics(inputs, cell, *roms) -> outputs` is bit-true on frames: lists of int64 arrays
    (batch, N) of wire values, one per stream port, in declared order."""

    name: str
    params: tuple[str, ...]
    roms: tuple[RomPort, ...]
    semantics: Callable[..., list[np.ndarray]]
    optional_roms: int = 0
    inputs: tuple[str, ...] = ("in",)
    outputs: tuple[str, ...] = ("out",)
    defaults: tuple[tuple[str, int], ...] = ()
    """Parameters an instance may omit, with the value they then take (the Verilog module's
    default, printed explicitly by both printers)."""

    def used_roms(self, p: Callable[[str], int]) -> tuple[RomPort, ...]:
        """The ROM ports taking an operand at parameters `p`, in declared order."""
        return tuple(r for r in self.roms if r.used is None or r.used(p))

    def default(self, key: str) -> int | None:
        return dict(self.defaults).get(key)

    @property
    def hls_function(self) -> str:
        return "qnnc::" + self.name.removeprefix("qnnc_")


def _nf(p) -> int:
    return p("MH") // p("PE")


def _one_stream(f: Callable[..., np.ndarray]) -> Callable[..., list[np.ndarray]]:
    """The list calling convention around a function of one input stream and one output."""
    return lambda inputs, cell, *roms: [f(inputs[0], cell, *roms)]


def _compares(p) -> bool:
    return p("N_THRES") > 0 and p("ACT") == 0


def _requant(p) -> bool:
    return p("ACT") == 1


MVAU = CellSpec(
    "qnnc_mvau",
    ("MW", "MH", "SIMD", "PE", "IN_W", "IN_SIGNED", "IN_BIPOLAR", "W_W", "W_SIGNED", "W_BIPOLAR",
     "ACC_W", "N_THRES", "OUT_W", "OUT_BIAS", "ACT", "M_W", "B_W", "SHIFT"),
    (RomPort("w", "w_addr", "w_data", lambda p: _nf(p) * (p("MW") // p("SIMD")),
             lambda p: p("PE") * p("SIMD") * p("W_W"), latency=1),
     RomPort("t", "t_addr", "t_data", _nf, lambda p: p("PE") * max(1, p("N_THRES")) * p("ACC_W"),
             latency=1, used=_compares),
     RomPort("t_desc", "t_addr", "t_desc", _nf, lambda p: p("PE"), latency=1, used=_compares),
     RomPort("rq_mult", "rq_addr", "rq_mult", _nf, lambda p: p("PE") * p("M_W"), latency=1,
             used=_requant),
     RomPort("rq_offset", "rq_addr", "rq_offset", _nf, lambda p: p("PE") * p("B_W"), latency=1,
             used=_requant)),
    _one_stream(lambda x, cell, w, *act: mvau_cell(x, cell, w, *act)),
    defaults=(("ACT", 0), ("M_W", 1), ("B_W", 1), ("SHIFT", 0)))
THRES = CellSpec(
    "qnnc_thres",
    ("C", "PE", "IN_W", "IN_SIGNED", "T_W", "N_THRES", "OUT_W", "OUT_BIAS"),
    (RomPort("t", "t_addr", "t_data", lambda p: p("C") // p("PE"),
             lambda p: p("PE") * p("N_THRES") * p("T_W")),
     RomPort("t_desc", "t_addr", "t_desc", lambda p: p("C") // p("PE"), lambda p: p("PE"))),
    _one_stream(thres_cell))
FIFO = CellSpec("qnnc_fifo", ("W", "DEPTH"), (), _passthrough_cell)
DWC = CellSpec("qnnc_dwc", ("ELEM_W", "IN_P", "OUT_P"), (), _passthrough_cell)
PAD = CellSpec("qnnc_pad", ("H", "W", "C", "P", "ELEM_W", "PT", "PL", "PB", "PR", "VALUE"), (),
               _one_stream(pad_cell))
SWG = CellSpec("qnnc_swg", ("H", "W", "C", "SIMD", "ELEM_W", "KH", "KW", "SH", "SW", "DH", "DW"),
               (), _one_stream(swg_cell))
SWG_WINDOW = CellSpec("qnnc_swg_window", SWG.params, (), _one_stream(swg_cell))
"""The parallel-window form of qnnc_swg: the same elements, a whole window a beat."""
POOL = CellSpec("qnnc_pool", ("K", "C", "PE", "IN_W", "IN_SIGNED", "OUT_W", "MODE"), (),
                _one_stream(pool_cell))
FORK = CellSpec("qnnc_fork", ("W",), (), lambda inputs, cell: [inputs[0], inputs[0]],
                outputs=("out0", "out1"))
ADD = CellSpec(
    "qnnc_add",
    ("C", "PE", "A_W", "A_SIGNED", "B_W", "B_SIGNED", "KA", "KB", "ACC_W", "N_THRES", "OUT_W",
     "OUT_BIAS"),
    (RomPort("t", "t_addr", "t_data", lambda p: p("C") // p("PE"),
             lambda p: p("PE") * max(1, p("N_THRES")) * p("ACC_W")),
     RomPort("t_desc", "t_addr", "t_desc", lambda p: p("C") // p("PE"), lambda p: p("PE"))),
    lambda inputs, cell, t=None, d=None: [add_cell(inputs[0], inputs[1], cell, t, d)],
    optional_roms=2, inputs=("a", "b"))

CONCAT = CellSpec("qnnc_concat", ("CA", "CB", "P", "ELEM_W"), (),
                  lambda inputs, cell: [concat_cell(inputs[0], inputs[1], cell)],
                  inputs=("a", "b"))
ROWMAP = CellSpec(
    "qnnc_rowmap",
    ("ROW_IN", "ROW_OUT", "P", "ELEM_W"),
    (RomPort("src", "src_addr", "src_data", lambda p: p("ROW_OUT"), _rowmap_src_width),),
    _one_stream(rowmap_cell))

CELLS: dict[str, CellSpec] = {c.name: c for c in (MVAU, THRES, FIFO, DWC, PAD, SWG, SWG_WINDOW,
                                                   POOL, FORK, ADD, ROWMAP, CONCAT)}
"""The library cells by name."""


@register_impls
class RtlFunctions(InterpreterFunctions):
    """Transaction-level semantics: a stream is an int64 array (batch, N) of frames holding the
    values on the wire (two's complement numbers; a bipolar element is its bit, 1 for +1)."""

    @impl(RomOp)
    def run_rom(self, interp: Interpreter, op: RomOp, args: tuple):
        return op.words(),

    @impl(CellOp)
    def run_cell(self, interp: Interpreter, op: CellOp, args: tuple):
        n_in = len(op.spec().inputs)
        outs = op.spec().semantics([np.asarray(a) for a in args[:n_in]], op, *args[n_in:])
        return tuple(outs)

    @impl(InstanceOp)
    def run_instance(self, interp: Interpreter, op: InstanceOp, args: tuple):
        mod = interp.get_op_for_symbol(op.module.root_reference.data)
        return tuple(interp.run_ssacfg_region(mod.body, args, mod.sym_name.data))

    @impl_terminator(OutputOp)
    def run_output(self, interp: Interpreter, op: OutputOp, args: tuple):
        return ReturnedValues(args), ()

    @impl(ToStreamOp)
    def run_to_stream(self, interp: Interpreter, op: ToStreamOp, args: tuple):
        x = np.asarray(args[0]).astype(np.int64).reshape(-1, op.output.type.frame.data)
        if isinstance(op.output.type.element_type, BipolarType):
            x = (x > 0).astype(np.int64)  # +1 → 1, -1 → 0 on the wire
        return x,

    @impl(FromStreamOp)
    def run_from_stream(self, interp: Interpreter, op: FromStreamOp, args: tuple):
        x = np.asarray(args[0])
        if isinstance(op.input.type.element_type, BipolarType):
            x = np.where(x & 1, 1, -1)
        return x.reshape(tuple(op.output.type.get_shape())),

"""A library cell is declared once (`rtl.CELLS`: parameters, ROM ports, bit-true semantics) and
every consumer reads that declaration: the rtl verifier, the interpreter, and both printers. A toy
cell declared in one place (here, in the test) is checked, run and printed by both backends; every
declared cell's Verilog module and HLS template take its parameters in the declared order."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from rowmaps import rowmap_unit
from xdsl.dialects.builtin import DictionaryAttr, FlatSymbolRefAttr, IntegerAttr, ModuleOp, StringAttr
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import VerifyException

from qnnc.backends import EmitOptions
from qnnc.backends.hls import HlsBackend
from qnnc.backends.verilog import VerilogBackend
from qnnc.dialects import quant, rtl
from qnnc.ir import make_context


def _scale(inputs: list[np.ndarray], cell: rtl.CellOp, rom: np.ndarray) -> list[np.ndarray]:
    """Toy semantics: every element times the ROM's single word."""
    return [rtl.wrap_bits(inputs[0] * int(rom.reshape(-1)[0]), cell.param("W"), True)]


TOY = rtl.CellSpec("qnnc_toy_scale", ("W", "K"),
                   (rtl.RomPort("k", "k_addr", "k_data", lambda p: 1, lambda p: p("W")),), _scale)


@pytest.fixture
def toy_cell(monkeypatch):
    """The toy's declaration, and a stand-in for its Verilog library source (a real cell ships
    `backends/verilog/lib/<name>.v`; the printers under test only instantiate it)."""
    import qnnc.backends.verilog as verilog

    monkeypatch.setitem(rtl.CELLS, TOY.name, TOY)
    library = verilog.library_file
    monkeypatch.setattr(verilog, "library_file",
                        lambda cell: "// toy\n" if cell == TOY.name else library(cell))


def _design(params: dict[str, int], rom_words: int = 1) -> ModuleOp:
    t = rtl.StreamType(rtl.FixedType(4, 0), 2, 1)
    block = Block(arg_types=[t])
    rom = rtl.RomOp.build(properties={
        "data": quant.dense_from_numpy(np.full((rom_words, 1), 3), quant.int_type(0, 3)),
        "lane_width": IntegerAttr(4, 64)}, result_types=[rtl.RomType(4, rom_words)])
    cell = rtl.CellOp.build(operands=[[block.args[0], rom.result]], result_types=[[t]], properties={
        "cell": StringAttr(TOY.name), "instance_name": StringAttr("toy"),
        "params": DictionaryAttr({k: IntegerAttr(v, 32) for k, v in params.items()})})
    block.add_ops([rom, cell, rtl.OutputOp.build(operands=[[cell.outputs[0]]])])
    unit = rtl.ModuleOp("toy_unit", [t], [t], Region(block))
    top_block = Block(arg_types=[t])
    inst = rtl.InstanceOp.build(operands=[[top_block.args[0]]], result_types=[[t]], properties={
        "module": FlatSymbolRefAttr("toy_unit"), "instance_name": StringAttr("u")})
    top_block.add_ops([inst, rtl.OutputOp.build(operands=[[inst.outputs[0]]])])
    return ModuleOp([unit, rtl.ModuleOp("qnnc_top", [t], [t], Region(top_block))])


def test_toy_cell_is_verified(toy_cell):
    _design({"W": 4, "K": 3}).verify()
    with pytest.raises(VerifyException, match="qnnc_toy_scale has parameters W, K"):
        _design({"W": 4}).verify()
    with pytest.raises(VerifyException, match="ROM port 'k' of qnnc_toy_scale is"):
        _design({"W": 4, "K": 3}, rom_words=2).verify()


def test_toy_cell_is_interpreted(toy_cell):
    from xdsl.interpreter import Interpreter

    from qnnc.ir import interpreter_functions

    module = _design({"W": 4, "K": 3})
    interp = Interpreter(module)
    for f in interpreter_functions():
        interp.register_implementations(f)
    unit = next(m for m in module.ops if m.sym_name.data == "toy_unit")
    (y,) = interp.run_ssacfg_region(unit.body, (np.array([[1, -2]]),), "toy_unit")
    assert y.tolist() == [[3, -6]]


def test_toy_cell_is_printed_by_both_backends(toy_cell):
    ctx = make_context()
    module = _design({"W": 4, "K": 3})
    verilog = VerilogBackend().emit(ctx, module, EmitOptions())
    assert "qnnc_toy_scale #(.W(4), .K(3)) toy (" in verilog["toy_unit.v"]
    assert ".k_addr(toy_k_rom_addr)" in verilog["toy_unit.v"]
    hls = HlsBackend().emit(ctx, module, EmitOptions())
    assert "qnnc::toy_scale<2, 4, 3>(in, out, toy_unit_k);" in hls["qnnc_top.cpp"]
    assert "static const ap_uint<4> toy_unit_k[1] = {" in hls["weights.h"]


# ----------------------------------------------------------------------------------------------
# Every declared cell: both libraries implement it with the declared ports and parameters
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(rtl.CELLS))
def test_both_libraries_implement_the_declaration(name):
    """The Verilog module has the declared parameters in order and a port per declared stream
    and ROM signal; the HLS header has the template `qnnc::<name>` with IN_BEATS then the
    declared parameters in order."""
    import re
    from importlib import resources

    from qnnc.backends.verilog import library_file

    spec = rtl.CELLS[name]
    v = library_file(name)
    assert re.findall(r"parameter integer (\w+)", v) == list(spec.params)
    ports = set(re.findall(r"(?:input|output)\s+wire\s*(?:\[[^\]]*\]\s*)?(\w+)", v))
    want = {"clk", "rst_n"}
    for s in spec.inputs + spec.outputs:
        want |= {f"{s}_tdata", f"{s}_tvalid", f"{s}_tready"}
    for rom in spec.roms:
        want |= {rom.addr, rom.data}
    assert ports == want
    h = resources.files("qnnc.backends.hls").joinpath("lib", "qnnc_hls.h").read_text()
    fn = spec.hls_function.removeprefix("qnnc::")
    m = re.search(r"template <([^>]*)>\s*void " + fn + r"\(", h)
    assert m, f"no template qnnc::{fn}"
    targs = [a.split()[-1] for a in m.group(1).replace("\n", " ").split(",")]
    assert targs == ["IN_BEATS", *spec.params]


def test_group_semantics_of_mvau_and_thres():
    """A frame of V groups is V frames of one group, back to back (a convolution's pixels)."""
    import celltools as ct

    for case, v in ((ct.mvau_groups_case("m", 3, 4, 4, 2, 2, frames=2), 3),
                    (ct.thres_groups_case("t", 4, 4, 2, frames=2), 4)):
        def one_group(t: rtl.StreamType) -> rtl.StreamType:
            return ct.stream(t.element_type, t.frame.data // v, t.lanes.data)

        op = ct.cell_op(case.cell, case.params, [one_group(case.ins[0])],
                        [one_group(case.outs[0])], len(case.roms))
        (y,) = ct.run(op, [case.inputs[0].reshape(case.frames * v, -1)], case.roms)
        assert np.array_equal(y.reshape(case.frames, -1), case.expected[0])


def test_multi_stream_semantics():
    """Fork copies its input to both outputs; add joins two streams element by element."""
    import celltools as ct

    f = ct.fork_case("f", 3, 2, 10, frames=2)
    assert len(f.expected) == 2
    assert all(np.array_equal(y, f.inputs[0]) for y in f.expected)
    a = ct.add_case("a", 4, 2, (4, True), (3, False), 3, -1, 8, frames=2)
    assert np.array_equal(a.expected[0], 3 * a.inputs[0] - a.inputs[1])


def test_concat_declaration_and_semantics():
    """qnnc_concat: streams a, b in, one out, no ROMs; per pixel a's CA channels then b's CB,
    bits copied (a bipolar element stays its bit); a and b must carry the same pixels."""
    import celltools as ct

    spec = rtl.CELLS["qnnc_concat"]
    assert (spec.params, spec.inputs, spec.outputs, spec.roms) == \
        (("CA", "CB", "P", "ELEM_W"), ("a", "b"), ("out",), ())
    for case in ct.concat_cases():
        ca, cb = case.params["CA"], case.params["CB"]
        a = case.inputs[0].reshape(case.frames, -1, ca)
        b = case.inputs[1].reshape(case.frames, -1, cb)
        want = [np.hstack([a[f, v], b[f, v]]) for f in range(case.frames) for v in range(len(a[f]))]
        assert np.array_equal(case.expected[0], np.reshape(want, (case.frames, -1))), case.name
    c = ct.concat_case("c", 2, 3, 1, 4, signed=True, pixels=2, frames=1)
    assert c.expected[0].tolist() == [[*c.inputs[0][0, :2], *c.inputs[1][0, :3],
                                       *c.inputs[0][0, 2:], *c.inputs[1][0, 3:]]]
    with pytest.raises(ValueError, match="3 pixels of CA = 2 channels on a, 2 of CB = 3 on b"):
        ct.run(c.op, [np.zeros((1, 6)), c.inputs[1]])
    with pytest.raises(VerifyException, match="qnnc_concat has parameters CA, CB, P, ELEM_W"):
        ct.cell_op("qnnc_concat", dict(CA=2, CB=3, P=1), c.ins, c.outs)


def _read_twice() -> ModuleOp:
    """A top whose input stream has two readers (no fork)."""
    import celltools as ct

    t = ct.stream(ct.elem(3, True), 4, 1)
    block = Block(arg_types=[t])
    fifos = []
    for name in ("f0", "f1"):
        fifos.append(rtl.CellOp.build(operands=[[block.args[0]]], result_types=[[t]], properties={
            "cell": StringAttr("qnnc_fifo"), "instance_name": StringAttr(name),
            "params": DictionaryAttr({"W": IntegerAttr(3, 32), "DEPTH": IntegerAttr(2, 32)})}))
    add = rtl.CellOp.build(operands=[[fifos[0].outputs[0], fifos[1].outputs[0]]],
                           result_types=[[ct.stream(ct.elem(4, True), 4, 1)]], properties={
        "cell": StringAttr("qnnc_add"), "instance_name": StringAttr("add"),
        "params": DictionaryAttr({k: IntegerAttr(v, 32) for k, v in dict(
            C=1, PE=1, A_W=3, A_SIGNED=1, B_W=3, B_SIGNED=1, KA=1, KB=1, ACC_W=4, N_THRES=0,
            OUT_W=4, OUT_BIAS=0).items()})})
    block.add_ops([*fifos, add, rtl.OutputOp.build(operands=[[add.outputs[0]]])])
    return ModuleOp([rtl.ModuleOp("qnnc_top", [t], [add.outputs[0].type], Region(block))])


def test_a_stream_read_twice_is_refused_by_both_printers():
    from qnnc.backends import EmissionError

    module = _read_twice()
    module.verify()
    for backend in (VerilogBackend(), HlsBackend()):
        with pytest.raises(EmissionError, match="qnnc_fork"):
            backend.emit(make_context(), module, EmitOptions())


# -- every declared cell: both libraries implement the declaration ------------------------------

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", list(rtl.CELLS))
def test_libraries_follow_the_declaration(name):
    """The Verilog module takes the declared parameters in order and has the declared ROM ports
    (address out, data in); the HLS template takes IN_BEATS, then the parameters in order."""
    spec = rtl.CELLS[name]
    verilog = (REPO / "backends" / "verilog" / "lib" / f"{name}.v").read_text()
    assert re.search(rf"^module {name} #\(", verilog, re.M)
    assert tuple(re.findall(r"^\s*parameter integer (\w+)", verilog, re.M)) == spec.params
    for port in spec.roms:
        assert re.search(rf"^\s*output wire .*\b{port.addr},?$", verilog, re.M), port.addr
        assert re.search(rf"^\s*input\s+wire .*\b{port.data},?$", verilog, re.M), port.data
    hls = (REPO / "backends" / "hls" / "lib" / "qnnc_hls.h").read_text()
    fn = spec.hls_function.removeprefix("qnnc::")
    m = re.search(rf"template <([^>]*)>\s*void {fn}\(", hls)
    assert m, f"no template for {spec.hls_function}"
    targs = tuple(a.split()[-1] for a in m.group(1).replace("\n", " ").split(","))
    assert targs == ("IN_BEATS",) + spec.params


def test_rowmap_declaration_and_semantics():
    from xdsl.interpreter import Interpreter

    from qnnc.ir import interpreter_functions

    # 2x upsampling of a row of 3 one-beat pixels, and a gather dropping beats
    for row_in, src in ((3, [0, 0, 1, 1, 2, 2] * 2), (5, [4, 0, 2]), (1, [0, 0])):
        unit = rowmap_unit(row_in, src)
        unit.verify()
        interp = Interpreter(ModuleOp([unit]))
        for f in interpreter_functions():
            interp.register_implementations(f)
        x = np.arange(2 * 3 * row_in * 2).reshape(2, -1)  # 2 frames of 3 groups, 2 lanes
        (y,) = interp.run_ssacfg_region(unit.body, (x,), "rowmap_unit")
        beats = x.reshape(2, 3, row_in, 2)
        assert y.tolist() == beats[:, :, src, :].reshape(2, -1).tolist()
    with pytest.raises(VerifyException, match="ROM port 'src' of qnnc_rowmap is"):
        rowmap_unit(5, [4, 0, 2], rom_width=4).verify()
    cell = next(op for op in rowmap_unit(5, [4, 0, 2]).body.ops if isinstance(op, rtl.CellOp))
    with pytest.raises(ValueError, match=r"src\[1\] = 5 is not a beat of a 5-beat group"):
        rtl.rowmap_cell(np.zeros((1, 20), dtype=np.int64), cell, np.array([[4], [5], [0]]))
    with pytest.raises(ValueError, match="not whole groups"):
        rtl.rowmap_cell(np.zeros((1, 12), dtype=np.int64), cell, np.array([[4], [0], [2]]))

"""Designs of the conv-net cells through both backends: a residual block whose `@qnnc_top` is a
DAG (a fork feeding a pad → sliding window → sum-pool branch and a FIFO branch that a residual
add with thresholds joins, `data/conv_dag.mlir`), printed by the Verilog and HLS printers,
simulated by Verilator (random back-pressure, then full rate for cycles per frame) and by the
HLS C-simulation, each equal to the rtl-level interpretation of the same IR; likewise a fork whose
branches a channel concatenation joins (`data/concat_dag.mlir`); and the sliding-window
generator alone at full rate in Verilator, against the compiler's cycle model
max(input beats, output beats) a frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from simtools import require_tool
from test_hls import require_csim
from xdsl.interpreter import Interpreter

from qnnc.backends import EmitOptions, Stimulus
from qnnc.backends.hls import HlsBackend
from qnnc.backends.sim import verilator as vsim
from qnnc.backends.verilog import VerilogBackend
from qnnc.driver import write_files
from qnnc.dialects import rtl
from qnnc.ir import interpreter_functions, make_context, parse_module

pytestmark = pytest.mark.cosim

DAG = Path(__file__).parent / "data" / "conv_dag.mlir"


def top_of(module) -> rtl.ModuleOp:
    return next(m for m in module.ops if isinstance(m, rtl.ModuleOp) and m.sym_name.data == "qnnc_top")


def interpret_top(module, frames: np.ndarray) -> np.ndarray:
    """The rtl-level semantics of @qnnc_top on frames (F, N) of input wire values."""
    interp = Interpreter(module)
    for f in interpreter_functions():
        interp.register_implementations(f)
    (y,) = interp.run_ssacfg_region(top_of(module).body, (frames,), "qnnc_top")
    return np.asarray(y)


def stimulus(module, frames: np.ndarray, seed: int) -> Stimulus:
    t_in = top_of(module).function_type.inputs.data[0]
    t_out = top_of(module).function_type.outputs.data[0]
    w = rtl.bit_width(t_in.element_type)
    beats = vsim.pack_beats(frames.reshape(-1), w, t_in.lanes.data)
    return Stimulus(beats, frames.shape[0], t_in.data_width, t_out.frame.data // t_out.lanes.data,
                    cycles_per_frame=1000, latency_cycles=1000, seed=seed)


def out_values(module, out_beats: list[int], n: int) -> np.ndarray:
    t = top_of(module).function_type.outputs.data[0]
    return vsim.unpack_beats(out_beats, rtl.bit_width(t.element_type), t.lanes.data,
                             signed=isinstance(t.element_type, rtl.FixedType)).reshape(n, -1)


def simulate(backend, module, frames: np.ndarray, work: Path, seed: int = 0):
    files = backend.emit(make_context(), module, EmitOptions())
    write_files(files, work / backend.name)
    run = backend.simulate(work / backend.name, work / f"{backend.name}-sim",
                           stimulus(module, frames, seed))
    return out_values(module, run.out_beats, frames.shape[0]), run.figures


def test_dag_top_both_backends_equal_rtl_semantics(tmp_path):
    require_tool("verilator")
    require_csim()
    module = parse_module(DAG.read_text())
    rng = np.random.default_rng(7)
    frames = rng.integers(-4, 4, size=(6, 32))
    want = interpret_top(module, frames)
    # the reference itself: a 3x3 box sum (zero padding) plus twice the input, thresholded
    x = frames.reshape(-1, 4, 4, 2)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    box = sum(xp[:, i:i + 4, j:j + 4, :] for i in range(3) for j in range(3))
    acc = box + 2 * x
    t = np.array([[-5, 0, 6], [8, 1, -3]])
    cnt = np.stack([(acc[..., 0, None] >= t[0]).sum(-1), (acc[..., 1, None] <= t[1]).sum(-1)], -1)
    assert np.array_equal(want, cnt.reshape(6, -1))

    got, figures = simulate(VerilogBackend(), module, frames, tmp_path)
    assert np.array_equal(got, want)
    # the sliding window's 288 output beats a frame are the bottleneck
    assert figures["cycles_per_frame_measured"] == 288, figures
    got, _ = simulate(HlsBackend(), parse_module(DAG.read_text()), frames, tmp_path)
    assert np.array_equal(got, want)


CONCAT_DAG = Path(__file__).parent / "data" / "concat_dag.mlir"


def test_concat_dag_both_backends_equal_rtl_semantics(tmp_path):
    """A fork whose branches (a 3x3 window of the zero-padded map; the map itself through a FIFO)
    a qnnc_concat joins per pixel: both backends equal the rtl semantics, which equal the
    reference; the concatenation's 160 output beats a frame are the bottleneck in Verilator."""
    require_tool("verilator")
    require_csim()
    module = parse_module(CONCAT_DAG.read_text())
    rng = np.random.default_rng(11)
    frames = rng.integers(-4, 4, size=(6, 32))
    want = interpret_top(module, frames)
    x = frames.reshape(-1, 4, 4, 2)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    win = np.stack([xp[:, i:i + 4, j:j + 4, :] for i in range(3) for j in range(3)], axis=3)
    ref = np.concatenate([win.reshape(-1, 4, 4, 18), x], axis=-1)
    assert np.array_equal(want, ref.reshape(6, -1))

    got, figures = simulate(VerilogBackend(), module, frames, tmp_path)
    assert np.array_equal(got, want)
    assert figures["cycles_per_frame_measured"] == 16 * (18 + 2) // 2, figures
    got, _ = simulate(HlsBackend(), parse_module(CONCAT_DAG.read_text()), frames, tmp_path)
    assert np.array_equal(got, want)


SWG_TOP = """\
rtl.module "qnnc_top" : (!rtl.stream<!rtl.ufixed<4, 0>, {n_in}, {simd}>) -> !rtl.stream<!rtl.ufixed<4, 0>, {n_out}, {simd}> {{
^bb0(%x: !rtl.stream<!rtl.ufixed<4, 0>, {n_in}, {simd}>):
  %w = rtl.cell "qnnc_swg"(%x) {{instance_name = "swg", params = {{{params}}}}} : (!rtl.stream<!rtl.ufixed<4, 0>, {n_in}, {simd}>) -> !rtl.stream<!rtl.ufixed<4, 0>, {n_out}, {simd}>
  rtl.output %w : !rtl.stream<!rtl.ufixed<4, 0>, {n_out}, {simd}>
}}
"""


@pytest.mark.parametrize("params", [
    # output-bound: 6*6 windows of 9 pixels, 648 beats a frame against 128 in
    dict(H=8, W=8, C=4, SIMD=2, ELEM_W=4, KH=3, KW=3, SH=1, SW=1, DH=1, DW=1),
    # input-bound with a dropped row and column: 9*9*2 = 162 beats in, 4*4*4*2 = 128 out
    dict(H=9, W=9, C=2, SIMD=1, ELEM_W=4, KH=2, KW=2, SH=2, SW=2, DH=1, DW=1),
], ids=["3x3_s1_out_bound", "2x2_s2_in_bound"])
def test_swg_full_rate_cycles_in_verilator(params, tmp_path):
    require_tool("verilator")
    oh, ow = rtl.swg_out_dims(lambda k: params[k])
    n_in = params["H"] * params["W"] * params["C"]
    n_out = oh * ow * params["KH"] * params["KW"] * params["C"]
    text = SWG_TOP.format(n_in=n_in, n_out=n_out, simd=params["SIMD"],
                          params=", ".join(f"{k} = {v} : i32" for k, v in params.items()))
    module = parse_module(text)
    frames = np.random.default_rng(3).integers(0, 16, size=(6, n_in))
    got, figures = simulate(VerilogBackend(), module, frames, tmp_path)
    assert np.array_equal(got, interpret_top(module, frames))
    model = max(n_in, n_out) // params["SIMD"]
    assert figures["cycles_per_frame_measured"] == model, (figures, model)

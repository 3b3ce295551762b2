"""Designs of one library cell, printed by both backends and simulated through the backend seam
(`Backend.simulate`, as `qnnc --verify` does: Verilator with random back-pressure and at full
rate, g++ C-simulation): the output beats equal the rtl interpreter's, so the printers, the
cell's declaration (`rtl.CELLS`) and both libraries agree. Today: qnnc_rowmap, which no lowering
emits yet."""

from __future__ import annotations

import os

import numpy as np
import pytest
from rowmaps import CASES, interpret, rowmap_design

from qnnc.backends import EmitOptions, Stimulus
from qnnc.backends.sim import verilator as vsim
from qnnc.driver import write_files
from qnnc.ir import make_context
from qnnc.universe import make_backend

pytestmark = pytest.mark.cosim


@pytest.mark.parametrize("backend", ["verilog", "hls"])
def test_rowmap_design(backend, tmp_path):
    be = make_backend(backend)
    missing = be.simulator_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is required in CI")
        pytest.skip(f"{missing} not installed")
    case = CASES["upsample_2x2"]
    design = rowmap_design(case)
    design.verify()
    x = case.frames(np.random.default_rng(7), 5)
    want = interpret(design, x)
    assert np.array_equal(want, case.expected(x))
    write_files(be.emit(make_context(), design, EmitOptions()), tmp_path / "project")
    cycles = max(case.row_in, case.row_out) * case.groups
    stimulus = Stimulus(vsim.pack_beats(x.reshape(-1), case.elem_w, case.lanes), len(x),
                        case.lanes * case.elem_w, case.out_beats, cycles, case.row_in + 2)
    run = be.simulate(tmp_path / "project", tmp_path, stimulus)
    got = vsim.unpack_beats(run.out_beats, case.elem_w, case.lanes, signed=False,
                            bipolar=False).reshape(len(x), -1)
    assert np.array_equal(got, want)
    if backend == "verilog":
        assert run.figures["cycles_per_frame_measured"] == cycles

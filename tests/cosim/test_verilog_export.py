"""The emitted Verilog of real models passes `verilator --lint-only -Wall` and Yosys
`synth_xilinx` (no waivers: the library cells name their deliberately unused bits `_unused_*`,
which Verilator's default unused-signal pattern exempts)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profiles import examples
from simtools import require_tool

from generators import build_model, mlp_specs, save_model

from qnnc.dialects import rtl
from qnnc.dialects.memory import bram18_count
from qnnc.driver import compile_model
from qnnc.pipeline import Options

MODELS = Path(__file__).resolve().parents[1] / "models"


def _emit(name: str, tmp_path: Path, **opts) -> list[Path]:
    """Write the design's files (Verilog and the ROMs' hex files beside it); the Verilog ones."""
    return _write(compile_model(MODELS / name / "model.onnx", Options(**opts)), tmp_path)


def _write(comp, work: Path) -> list[Path]:
    for fname, text in comp.outputs["verilog"].items():
        (work / fname).write_text(text)
    return [work / f for f in comp.outputs["verilog"] if f.endswith(".v")]


@pytest.mark.cosim
@pytest.mark.parametrize("name", ["tfc_1w1a_zoo", "tfc_1w2a_zoo", "tfc_2w2a_dynamo", "fixedmlp_w8a6"])
def test_lint_clean(name, tmp_path):
    verilator = require_tool("verilator")
    files = _emit(name, tmp_path)
    r = subprocess.run([verilator, "--lint-only", "-Wall", "--top-module", "qnnc_top",
                        *map(str, files)], capture_output=True, text=True)
    assert r.returncode == 0 and "%Warning" not in r.stderr, r.stderr


@pytest.mark.cosim
def test_yosys_synth_xilinx(tmp_path):
    """The design synthesizes, and its memories land where the compiler placed them: the ROMs
    it put in block RAM take exactly the BRAM18s the rule counted (a RAMB36 is two), and
    nothing else does."""
    yosys = require_tool("yosys")
    comp = compile_model(MODELS / "tfc_1w1a_zoo" / "model.onnx", Options(lanes_budget=16))
    files = _write(comp, tmp_path)
    script = "; ".join([f"read_verilog {f}" for f in files] +
                       ["synth_xilinx -top qnnc_top -flatten", "tee -q -o stat.json stat -json"])
    r = subprocess.run([yosys, "-q", "-p", script], capture_output=True, text=True, timeout=900,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "ERROR" not in r.stdout + r.stderr
    cells = json.loads((tmp_path / "stat.json").read_text())["design"]["num_cells_by_type"]
    brams = cells.get("RAMB18E1", 0) + 2 * cells.get("RAMB36E1", 0)
    roms = [op for op in comp.module.walk() if isinstance(op, rtl.RomOp)]
    planned = sum(bram18_count(r.result.type.depth.data, r.result.type.width.data)
                  for r in roms if r.placement() == "block")
    assert planned > 0, "this folding should put the first layer's weights in block RAM"
    assert brams == planned, (brams, planned, cells)


@pytest.mark.cosim
@settings(max_examples=examples(ci=10), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=mlp_specs(), lanes=st.sampled_from([1, 2, 4, 8, 16, 64]))
def test_generated_designs_lint_clean(spec, lanes, tmp_path_factory):
    """Any generated MLP at any folding: lint-clean too (odd widths, 1-lane streams, bipolar
    and unsigned types, layers without thresholds)."""
    verilator = require_tool("verilator")
    work = tmp_path_factory.mktemp("lint")
    comp = compile_model(save_model(build_model(spec), work), Options(lanes_budget=lanes))
    files = list(map(str, _write(comp, work)))
    r = subprocess.run([verilator, "--lint-only", "-Wall", "--top-module", "qnnc_top", *files],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "%Warning" not in r.stderr, r.stderr

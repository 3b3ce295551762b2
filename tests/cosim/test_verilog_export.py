"""The emitted Verilog of real models passes `verilator --lint-only -Wall` and Yosys
`synth_xilinx` (no waivers: the library cells name their deliberately unused bits `_unused_*`,
which Verilator's default unused-signal pattern exempts)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profiles import examples
from simtools import require_tool

from generators import build_model, mlp_specs, save_model

from qnnc.driver import compile_model
from qnnc.pipeline import Options

MODELS = Path(__file__).resolve().parents[1] / "models"


def _emit(name: str, tmp_path: Path, **opts) -> list[Path]:
    comp = compile_model(MODELS / name / "model.onnx", Options(**opts))
    files = []
    for fname, text in comp.outputs["verilog"].items():
        p = tmp_path / fname
        p.write_text(text)
        files.append(p)
    return files


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
    yosys = require_tool("yosys")
    files = _emit("tfc_1w1a_zoo", tmp_path, lanes_budget=16)
    script = "; ".join([f"read_verilog {f}" for f in files] +
                       ["synth_xilinx -top qnnc_top", "stat"])
    r = subprocess.run([yosys, "-q", "-p", script], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "ERROR" not in r.stdout + r.stderr


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
    files = []
    for fname, text in comp.outputs["verilog"].items():
        (work / fname).write_text(text)
        files.append(str(work / fname))
    r = subprocess.run([verilator, "--lint-only", "-Wall", "--top-module", "qnnc_top", *files],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "%Warning" not in r.stderr, r.stderr

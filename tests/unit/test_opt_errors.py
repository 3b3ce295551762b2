"""`qnnc-opt` and `qnnc` on a bad command line or file: one `error:` line, exit code 2, no
traceback (an unknown pass, target or option, a bad pass argument; plugins: test_plugins.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

OPT = str(Path(sys.executable).parent / "qnnc-opt")


@pytest.fixture
def empty_module(tmp_path) -> Path:
    f = tmp_path / "m.mlir"
    f.write_text("builtin.module {}\n")
    return f


@pytest.mark.parametrize("args, want", [
    (["-p", "quant-streamlin"], "error: unknown pass 'quant-streamlin' (did you mean quant-streamline"),
    (["-p", "dataflow-fold{lanes_budget=abc}"],
     "error: bad option of pass 'dataflow-fold' in -p 'dataflow-fold{lanes_budget=abc}': "
     "Incompatible types"),
    (["-p", "dataflow-fold{target-cycles=abc}"], "error: bad option of pass 'dataflow-fold'"),
    (["-p", "dataflow-fold{nope=1}"], "error: bad option of pass 'dataflow-fold' in -p "
                                      "'dataflow-fold{nope=1}': Provided arguments [\"nope\"]"),
    (["-p", "dataflow-fold{target-cycles=1"], "error: malformed -p 'dataflow-fold{target-cycles=1'"),
    (["-p", "nonexistent-pass"], "error: unknown pass 'nonexistent-pass'; available: "),
    (["-t", "verilg"], "error: unknown target 'verilg' (did you mean verilog?); available: "),
    (["--no-such-option"], "error: unrecognized arguments: --no-such-option"),
])
def test_bad_pass_is_one_error_line(empty_module, args, want):
    r = subprocess.run([OPT, str(empty_module), *args], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.startswith(want), r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_missing_file_is_one_error_line(tmp_path):
    r = subprocess.run([OPT, str(tmp_path / "nope.mlir")], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.startswith("error: cannot read ") and "Traceback" not in r.stderr


def test_every_backend_is_a_target(empty_module):
    for target in ("verilog", "hls"):
        r = subprocess.run([OPT, str(empty_module), "-t", target], capture_output=True, text=True)
        # an empty module has no rtl design: the HLS printer says so; Verilog prints nothing
        assert r.returncode in (0, 2) and "Traceback" not in r.stderr, (target, r.stderr)


MODEL = Path(__file__).resolve().parents[2] / "tests" / "models" / "tfc_2w2a_zoo" / "model.onnx"
QNNC = str(Path(sys.executable).parent / "qnnc")


@pytest.mark.parametrize("args, want", [
    (["--emit", "verilg"], "error: --emit 'verilg': choose a level"),
    (["--no-such-option"], "error: unrecognized arguments: --no-such-option"),
    (["--extra-pass", "dataflow-fold:nonexistent-pass"], "error: unknown pass 'nonexistent-pass'"),
    (["--extra-pass", "dataflow-fold:dataflow-fold{nope=1}"],
     "error: bad option of pass 'dataflow-fold' in --extra-pass"),
    (["--extra-pass", "dataflow-fold:dataflow-fold{x"], "error: malformed --extra-pass"),
    (["--extra-pass", "dataflw:dataflow-fold"],
     "error: --extra-pass 'dataflw:dataflow-fold': unknown place 'dataflw' (did you mean dataflow"),
    (["--extra-pass", "dataflow-fold"], "error: --extra-pass 'dataflow-fold': expected WHERE:"),
    (["--lanes-budget", "abc"], "error: argument --lanes-budget: 'abc' is not an integer"),
])
def test_qnnc_bad_command_line_is_one_error_line(tmp_path, args, want):
    out = tmp_path / "out"
    r = subprocess.run([QNNC, str(MODEL), "-o", str(out), *args], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(want), r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not out.exists()

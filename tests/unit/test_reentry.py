"""`qnnc out/ir/NN-*.mlir -o out2/`: compiling onward from any IR dump (the level read off the
IR) gives byte-identical Verilog, HLS C++ and (with --model) host ONNX; `--pass-pipeline` and
`--dump-ir-after-all`; what a dump cannot do is one `error:` line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qnnc.driver import compile_model, write_outputs
from qnnc.pipeline import Options

MODELS = Path(__file__).resolve().parents[1] / "models"
REENTRY_MODELS = ("tfc_2w2a_zoo", "resconv_w4a4")


def qnnc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qnnc.cli", *args], capture_output=True, text=True)


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module", params=REENTRY_MODELS)
def direct(request, tmp_path_factory):
    """The direct compile of a model, once with a dump per level and once after every pass."""
    model = MODELS / request.param / "model.onnx"
    out = tmp_path_factory.mktemp(request.param)
    for name, after_all in (("levels", False), ("passes", True)):
        write_outputs(compile_model(model, Options(), dump_ir_after_all=after_all), out / name)
    return model, out


def test_every_dump_compiles_onward_to_identical_outputs(direct):
    model, out = direct
    levels = sorted((out / "levels" / "ir").glob("*.mlir"))
    passes = sorted((out / "passes" / "ir").glob("*.mlir"))
    assert [p.name for p in levels] == ["00-quant.mlir", "01-quant-streamlined.mlir",
                                        "02-dataflow.mlir", "03-rtl.mlir"]
    assert len(passes) == 9 and passes[0].name == "00-quant.mlir"
    want = {t: _tree(out / "levels" / t) for t in ("verilog", "hls", "host")}
    for dump in levels + passes:
        if dump.name.startswith(("01-quant-streamline.", "02-quant-absorb")):
            continue  # partway through a stage without marks: refused, see below
        comp = compile_model(dump, Options(), model=model)
        for t in ("verilog", "hls"):
            assert comp.outputs[t] == {k: v.decode() for k, v in want[t].items()}, (dump, t)
        again = out / "re" / dump.stem
        write_outputs(comp, again)
        assert _tree(again / "host") == want["host"], dump
        if dump.parent.parent.name == "levels" and not dump.name.startswith("03"):
            assert _tree(again / "ir").items() <= _tree(out / "levels" / "ir").items()
            assert (again / "report.json").read_bytes() == \
                (out / "levels" / "report.json").read_bytes()


def test_cli_reentry_and_its_limits(tmp_path):
    """The command line: a dump compiles onward and the Verilog/HLS diff clean; what needs the
    original model says so in one line (exit 2)."""
    model = MODELS / "tfc_2w2a_zoo" / "model.onnx"
    a, b = tmp_path / "a", tmp_path / "b"
    assert qnnc(str(model), "-o", str(a)).returncode == 0
    r = qnnc(str(a / "ir" / "02-dataflow.mlir"), "-o", str(b))
    assert r.returncode == 0, r.stderr
    assert "--model ORIGINAL.onnx" in r.stderr  # host/ needs the model: a note
    for t in ("verilog", "hls"):
        assert subprocess.run(["diff", "-r", str(a / t), str(b / t)]).returncode == 0
    assert not (b / "host").exists()
    cases = [
        ((str(a / "ir" / "02-dataflow.mlir"), "--verify"), "needs the original model"),
        ((str(a / "ir" / "03-rtl.mlir"), "--verify", "--model", str(model), "--samples", "1"),
         "--verify needs the design report"),
        ((str(a / "ir" / "02-dataflow.mlir"), "--model",
          str(MODELS / "resconv_w4a4" / "model.onnx")), "not the model this IR"),
        ((str(a / "ir" / "02-dataflow.mlir"), "--target-cycles", "100"), "already folded"),
        ((str(a / "ir" / "03-rtl.mlir"), "--emit", "dataflow"), "past --emit dataflow"),
        ((str(a / "ir" / "01-quant-streamlined.mlir"), "--pass-pipeline", "dataflow-fodl"),
         "did you mean dataflow-fold"),
        ((str(a / "ir" / "01-quant-streamlined.mlir"), "--pass-pipeline",
          "dataflow-fold{target_cycles=x}"), "--pass-pipeline"),
    ]
    bad = tmp_path / "bad.mlir"
    bad.write_text("builtin.module {\n  func.func @main() {\n    \"foo.bar\"() : () -> ()\n"
                   "  }\n}\n")
    cases.append(((str(bad),), f"{bad}:3:"))
    for args, expect in cases:
        r = qnnc(*args, "-o", str(tmp_path / "x"))
        assert r.returncode == 2 and "Traceback" not in r.stderr, (args, r.stderr)
        lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
        assert len(lines) == 1 and expect in lines[0], (args, r.stderr)
        assert not (tmp_path / "x").exists()


def test_partly_streamlined_dump_is_refused_with_the_passes_left(tmp_path):
    model = MODELS / "tfc_2w2a_zoo" / "model.onnx"
    a = tmp_path / "a"
    assert qnnc(str(model), "-o", str(a), "--dump-ir-after-all").returncode == 0
    opt = Path(sys.executable).parent / "qnnc-opt"
    for f in sorted((a / "ir").glob("*.mlir")):  # after every pass: each parses back
        r = subprocess.run([str(opt), "--print-debuginfo", str(f)], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout == f.read_text(), f.name
    dump = a / "ir" / "01-quant-streamline.mlir"
    r = qnnc(str(dump), "-o", str(tmp_path / "b"))
    assert r.returncode == 2 and "partway through" in r.stderr, r.stderr
    rest = r.stderr.split("after quant-streamline: '")[1].split("'")[0]
    r = qnnc(str(dump), "-o", str(tmp_path / "b"), "--pass-pipeline", rest)
    assert r.returncode == 0, r.stderr
    assert _tree(a / "verilog") == _tree(tmp_path / "b" / "verilog")


def test_pass_pipeline_replaces_the_default(tmp_path):
    """A pipeline stopping at the dataflow level: dumps per level reached, the report, no
    backend; every dump parses back with qnnc-opt."""
    model = MODELS / "tfc_2w2a_zoo" / "model.onnx"
    out = tmp_path / "o"
    r = qnnc(str(model), "-o", str(out), "--pass-pipeline",
             "quant-streamline,quant-absorb-transposes,quant-partition-host,"
             "convert-quant-to-dataflow,dataflow-fold{target_cycles=200},"
             "dataflow-insert-fifos")
    assert r.returncode == 0, r.stderr
    files = _tree(out)
    assert sorted(f for f in files if f.startswith("ir/")) == [
        "ir/00-quant.mlir", "ir/01-quant-streamlined.mlir", "ir/02-dataflow.mlir"]
    assert not any(f.startswith(("verilog/", "hls/")) for f in files)
    assert b'"target_cycles": 200' in files["report.json"]
    opt = Path(sys.executable).parent / "qnnc-opt"
    for f in sorted((out / "ir").glob("*.mlir")):
        r = subprocess.run([str(opt), "--print-debuginfo", str(f)], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout == f.read_text(), f.name

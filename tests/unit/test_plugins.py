"""Plugins (qnnc/plugins.py, docs/plugins.md): the example plugin `examples/custom_pass`
installed the way a user installs it (pip, entry point `qnnc.plugins`) and loaded ad hoc
(`--load-plugin`), used from both tools; and every way loading one can fail is one `error:`
line and exit code 2.

The install goes into a temporary `--target` directory put on PYTHONPATH of the tools' runs
(`pip install --no-deps --no-build-isolation --no-index`: offline, and the test venv is left
as it was), from a copy of the example (its source tree stays clean).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
QNNC, OPT, FILECHECK = (str(BIN / n) for n in ("qnnc", "qnnc-opt", "filecheck"))
EXAMPLE = ROOT / "examples" / "custom_pass"
MODEL = ROOT / "tests" / "models" / "tfc_2w2a_zoo" / "model.onnx"
REFOLD = "example-refold-layer{layer=MatMul_32 pe=4 simd=4}"


def run(cmd: list[str], env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, str]:
    """The example plugin pip-installed into a fresh directory: the environment to run the
    tools with it (its entry point found there, as in any site-packages)."""
    tmp = tmp_path_factory.mktemp("plugin")
    src = tmp / "src"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    site = tmp / "site"
    r = run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
             "--no-index", "--target", str(site), str(src)])
    assert r.returncode == 0, r.stderr
    assert list(site.glob("qnnc_refold-*.dist-info/entry_points.txt"))
    return {"PYTHONPATH": str(site)}


@pytest.fixture(scope="module")
def streamlined(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("streamlined") / "out"
    r = run([QNNC, str(MODEL), "-o", str(out), "--emit", "quant-streamlined"])
    assert r.returncode == 0, r.stderr
    return out / "ir" / "01-quant-streamlined.mlir"


def filecheck(text: str, checks: str, tmp_path: Path) -> None:
    f = tmp_path / "checks.txt"
    f.write_text(checks)
    r = run([FILECHECK, str(f)], input=text)
    assert r.returncode == 0, r.stderr[:3000]  # (the IR holds long weight blobs)


# The re-folded layer reads its predecessor's 4 lanes directly (the old 4→8 converter merged
# away), writes 4 lanes, and a converter gives its reader the 8 it reads; nothing else changes.
CHECKS = """\
CHECK:      func.func @core
CHECK:      %[[A:.*]] = dataflow.mvau %{{[0-9]+}} {{.*}}pe = 4 : i64, simd = 16 : i64{{.*}} -> !dataflow.stream<si2, 64, 4> loc("MatMul_20"
CHECK-NEXT: %[[B:.*]] = dataflow.mvau %[[A]] {{.*}}pe = 4 : i64, simd = 4 : i64{{.*}} : !dataflow.stream<si2, 64, 4> -> !dataflow.stream<si2, 64, 4> loc("MatMul_32"
CHECK-NEXT: %[[C:.*]] = dataflow.dwc %[[B]] : !dataflow.stream<si2, 64, 4> -> !dataflow.stream<si2, 64, 8>
CHECK-NEXT: dataflow.mvau %[[C]] {{.*}}pe = 1 : i64, simd = 8 : i64{{.*}} loc("MatMul_44"
CHECK-NOT:  dataflow.dwc
CHECK:      func.return
"""


def test_installed_plugin_pass_in_qnnc_opt(installed, streamlined, tmp_path):
    """qnnc-opt -p: the installed plugin's pass, no --load-plugin needed (entry point)."""
    r = run([OPT, str(streamlined), "--print-debuginfo", "-p",
             f"convert-quant-to-dataflow,dataflow-fold,{REFOLD}"], env=installed)
    assert r.returncode == 0, r.stderr[:3000]
    filecheck(r.stdout, CHECKS, tmp_path)


def test_load_plugin_ad_hoc_in_qnnc_opt(streamlined, tmp_path):
    """--load-plugin module: the same pass from a module on the path, not installed."""
    env = {"PYTHONPATH": str(EXAMPLE / "src"), "QNNC_NO_PLUGINS": "1"}
    args = [OPT, str(streamlined), "--print-debuginfo", "-p", f"convert-quant-to-dataflow,dataflow-fold,{REFOLD}"]
    r = run(args, env=env)
    assert r.returncode == 2 and r.stderr.startswith("error: unknown pass 'example-refold"), \
        r.stderr[:3000]
    r = run([*args, "--load-plugin", "qnnc_refold"], env=env)
    assert r.returncode == 0, r.stderr[:3000]
    filecheck(r.stdout, CHECKS, tmp_path)


def test_installed_plugin_pass_in_qnnc(installed, tmp_path):
    """qnnc --extra-pass: the plugin re-folds two layers after dataflow-fold; the report and
    the IR dump show it, the analytical cycles per frame are recomputed, the Verilog is
    written."""
    out = tmp_path / "out"
    r = run([QNNC, str(MODEL), "-o", str(out), "--emit", "verilog",
             "--extra-pass", f"dataflow-fold:{REFOLD}",
             "--extra-pass", "dataflow-fold:example-refold-layer{layer=MatMul_56 pe=2 simd=4}"],
            env=installed)
    assert r.returncode == 0, r.stderr
    report = json.loads((out / "report.json").read_text())
    folds = {x["name"]: (x["pe"], x["simd"]) for x in report["layers"]}
    assert folds["MatMul_32"] == (4, 4) and folds["MatMul_56"] == (2, 4), folds
    assert folds["MatMul_20"] == (4, 16) and folds["MatMul_44"] == (1, 8), folds
    assert report["folding"]["achieved_cycles"] == report["cycles_per_frame"]
    assert (out / "verilog" / "qnnc_top.v").is_file()
    ir = (out / "ir" / "02-dataflow.mlir").read_text()
    assert "!dataflow.stream<si8, 10, 2> -> !dataflow.stream<si8, 10, 1>" in ir  # output kept


@pytest.mark.cosim
def test_refolded_design_simulates_bit_exactly(installed, tmp_path):
    if not shutil.which("verilator"):
        pytest.skip("verilator not installed")
    r = run([QNNC, str(MODEL), "-o", str(tmp_path / "out"), "--emit", "verilog", "--verify",
             "--samples", "20", "--extra-pass", f"dataflow-fold:{REFOLD}",
             "--extra-pass", "dataflow-fold:example-refold-layer{layer=MatMul_56 pe=2 simd=4}"],
            env=installed)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "verify PASS" in r.stdout and "0 mismatches" in r.stdout, r.stdout


def one_error_line(r: subprocess.CompletedProcess, starts: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith(starts), r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr


@pytest.fixture(scope="module")
def bad_plugins(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("badplugins")
    (d / "raising_plugin.py").write_text(
        "def qnnc_plugin(registry):\n    raise RuntimeError('boom')\n")
    (d / "clashing_plugin.py").write_text(
        "def qnnc_plugin(registry):\n    registry.add_pass('dataflow-fold', lambda: None)\n")
    (d / "no_hook_plugin.py").write_text("X = 1\n")
    return d


@pytest.mark.parametrize("tool", ["qnnc-opt", "qnnc"])
@pytest.mark.parametrize("plugin, want", [
    ("no_such_plugin_module", "error: --load-plugin no_such_plugin_module: no module named"),
    ("no_hook_plugin", "error: --load-plugin no_hook_plugin: module 'no_hook_plugin' has no "
                       "plugin hook 'qnnc_plugin'"),
    ("raising_plugin", "error: plugin 'raising_plugin' failed while registering: RuntimeError: "
                       "boom"),
    ("clashing_plugin", "error: plugin 'clashing_plugin': pass 'dataflow-fold' is already "
                        "registered by qnnc"),
])
def test_bad_plugin_is_one_error_line(bad_plugins, tmp_path, tool, plugin, want):
    env = {"PYTHONPATH": str(bad_plugins)}
    if tool == "qnnc":
        cmd = [QNNC, str(MODEL), "-o", str(tmp_path / "out")]
    else:
        m = tmp_path / "m.mlir"
        m.write_text("builtin.module {}\n")
        cmd = [OPT, str(m)]
    one_error_line(run([*cmd, "--load-plugin", plugin], env=env), want)
    assert not (tmp_path / "out").exists()


def test_plugin_state_is_explicit():
    """Importing qnnc registers nothing; loading does, and only in the loading process."""
    from qnnc import plugins
    from qnnc.universe import all_passes

    with plugins.isolated():
        assert "example-refold-layer" not in all_passes()
        sys.path.insert(0, str(EXAMPLE / "src"))
        try:
            plugins.load_module_plugin("qnnc_refold")
        finally:
            sys.path.remove(str(EXAMPLE / "src"))
        assert all_passes()["example-refold-layer"]().name == "example-refold-layer"
    assert "example-refold-layer" not in all_passes()

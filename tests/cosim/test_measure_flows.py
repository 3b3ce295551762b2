"""`qnnc synth` and `qnnc ... --place-route ecp5` run the real tools on a small generated MLP:
every figure in synth.json / pnr.json is the one the tool's own report gives.

Tool policy: a missing Yosys or nextpnr-ecp5 skips locally and fails in CI (`$CI` set), found
the way qnnc finds them (PATH, then beside the running Python: the `pnr` extra's wheels)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from generators import DenseSpec, MLPSpec, QuantSpec, build_model, save_model

from qnnc.backends.verilog import eda


def _q(bits: int, scale: float, signed: bool = True) -> QuantSpec:
    return QuantSpec("quant", bits, signed, False, "ROUND", (scale,), False, 0.0)


# two small layers: two layer modules and the top, each synthesized in seconds
SPEC = MLPSpec(in_features=8, input_quant=_q(2, 0.5), layers=(
    DenseSpec(out_features=8, weight_quant=_q(2, 0.5), act_quant=_q(2, 0.5)),
    DenseSpec(out_features=4, weight_quant=_q(2, 0.5), act_quant=_q(4, 0.25))))


def require(candidates: tuple[str, ...], what: str) -> str:
    try:
        return eda.find_tool(candidates, what)
    except eda.ToolMissing as e:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is required in CI: {e}")
        pytest.skip(str(e))


def qnnc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qnnc.cli", *args], capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("measure")
    model = save_model(build_model(SPEC), work)
    out = work / "out"
    r = qnnc(model, "-o", str(out), "--lanes-budget", "8")
    assert r.returncode == 0, r.stderr
    return out


def _layer_modules(out: Path) -> set[str]:
    lib = {p.name for p in resources.files("qnnc.backends.verilog").joinpath("lib").iterdir()}
    return {p.stem for p in (out / "verilog").glob("*.v")
            if p.name not in lib and p.stem != "qnnc_top"}


@pytest.mark.cosim
def test_synth_json_is_yosys_stat(compiled, tmp_path):
    yosys = require(eda.YOSYS, "yosys")
    out = tmp_path / "out"
    shutil.copytree(compiled, out)
    (out / "notes.txt").write_text("mine")
    r = qnnc("synth", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # progress lines only on a terminal
    doc = json.loads((out / "synth.json").read_text())
    assert (out / "notes.txt").read_text() == "mine"
    report = json.loads((out / "report.json").read_text())
    modules = {m["module"]: m for m in doc["modules"]}
    assert set(modules) == _layer_modules(out) and len(modules) == len(report["layers"])
    assert {m["layer"] for m in modules.values()} == {lay["name"] for lay in report["layers"]}
    assert doc["top"]["module"] == "qnnc_top"
    for entry in [*modules.values(), doc["top"]]:
        stat = json.loads((out / entry["stat_json"]).read_text())
        cells = stat["design"]["num_cells_by_type"] if "design" in stat else \
            stat["modules"]["\\" + entry["module"]]["num_cells_by_type"]
        m = entry["measured"]
        assert m["cells"] == {t: n for t, n in cells.items() if not t.startswith("$")}
        assert m["ff"] == sum(n for t, n in cells.items() if t.startswith("FD"))
        assert m["lut_logic"] == sum(n for t, n in cells.items()
                                     if t.startswith("LUT") or t == "INV")
        assert m["carry4"] == cells.get("CARRY4", 0)
        assert m["bram18"] == cells.get("RAMB18E1", 0) + 2 * cells.get("RAMB36E1", 0)
        assert m["dsp"] == cells.get("DSP48E1", 0)
        assert m["lut"] >= m["lut_logic"] > 0 and m["ff"] > 0
        assert entry["estimate"] == (report.get("resources") if entry["module"] == "qnnc_top"
                                     else next(lay.get("resources") for lay in report["layers"]
                                               if lay["name"] == entry["layer"]))
    # an independent Yosys run of one module gives the same cells
    smallest = min(modules.values(), key=lambda e: e["measured"]["lut"])["module"]
    sources = " ".join(sorted(p.name for p in (out / "verilog").glob("*.v")))
    own = tmp_path / "own.json"
    r = subprocess.run([yosys, "-q", "-p", f"read_verilog -defer {sources}; hierarchy -top "
                        f"{smallest}; synth_xilinx -flatten -noiopad -top {smallest}; tee -q -o "
                        f"{os.path.relpath(own, out / 'verilog')} stat -json"],
                       cwd=out / "verilog", capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    stat = json.loads(own.read_text())
    cells = stat["design"]["num_cells_by_type"] if "design" in stat else \
        stat["modules"]["\\" + smallest]["num_cells_by_type"]
    assert modules[smallest]["measured"]["cells"] == {t: n for t, n in cells.items()
                                                      if not t.startswith("$")}


@pytest.mark.cosim
def test_synth_failure_names_the_module(compiled, tmp_path):
    require(eda.YOSYS, "yosys")
    out = tmp_path / "out"
    shutil.copytree(compiled, out)
    broken = sorted(_layer_modules(out))[0]
    (out / "verilog" / f"{broken}.v").write_text(f"module {broken} (input wire clk);\n  wire x = ;\n"
                                                 "endmodule\n")
    r = qnnc("synth", str(out))
    assert r.returncode == 3, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: yosys synth_xilinx failed on module")
    assert f"'{broken}'" in lines[0] and "ERROR" in lines[0]
    assert not (out / "synth.json").exists()


@pytest.mark.cosim
def test_place_route_ecp5_fmax_is_nextpnr_report(tmp_path):
    require(eda.YOSYS_ECP5, "yosys")
    require(eda.NEXTPNR_ECP5, "nextpnr-ecp5")
    model = save_model(build_model(SPEC), tmp_path)
    out = tmp_path / "out"
    r = qnnc(model, "-o", str(out), "--lanes-budget", "8", "--place-route", "ecp5",
             "--clock-ns", "20")
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads((out / "pnr.json").read_text())
    rep = json.loads((out / doc["files"]["nextpnr_report"]).read_text())
    assert doc["fmax_mhz"] > 0
    assert doc["fmax_mhz"] == min(d["achieved"] for d in rep["fmax"].values())
    assert doc["target_mhz"] == 50.0 and all(d["constraint"] == 50 for d in rep["fmax"].values())
    assert doc["pass"] == (doc["fmax_mhz"] >= 50.0) and r.returncode == (0 if doc["pass"] else 1)
    for k in ("TRELLIS_COMB", "TRELLIS_FF", "DP16KD", "MULT18X18D"):
        assert doc["utilisation"][k] == rep["utilization"][k]
    assert doc["utilisation"]["TRELLIS_FF"]["used"] > doc["wrapper"]["flip_flops"]
    assert doc["seed"] == 1 and doc["tools"]["nextpnr"]["version"]
    # the wrapper lives with the place & route files, not with the design
    assert (out / doc["files"]["wrapper"]).parent == out / "pnr"
    assert not (out / "verilog" / "qnnc_pnr_top.v").exists()

"""Calibration of qnnc's resource model against Yosys: estimate vs `synth_xilinx`, per unit.

For each model and folding, compiles to Verilog, then synthesizes every instance of `qnnc_top`
on its own (a layer module with its ROMs, or a library cell with its parameters) with

    yosys: read_verilog ...; [chparam ...]; hierarchy -top <module>; synth_xilinx;
           tee -q -o f.json stat -json

and prints, per unit, the estimate (`resources()` of the dataflow unit, the same figures as
`report.json`) beside the measurement and their ratio. Measured LUTs count every LUT6 site a
cell occupies: LUT1–LUT6 and INV as logic, LUT RAM (RAM32M/RAM64M 4, RAM32X1D/RAM64X1D 2,
RAM128X1D 4, RAM64X1S 1, RAM128X1S 2, RAM256X1S 4) and shift registers (SRL16E/SRLC32E 1);
FFs every FD*; BRAM18 = RAMB18E1 + 2·RAMB36E1; DSP = DSP48E1. Yosys results are cached by the
synthesized sources' hash (`--cache`, default in the system temp directory).

    python benchmarks/resources.py                      # the calibration set (below)
    python benchmarks/resources.py tfc_2w2a_zoo --target-cycles 64 [--json out.json]

The calibration set is three bundled models at two foldings each (`CALIBRATION`); the summary
line gives the worst LUT and BRAM18 ratio over all units.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CALIBRATION = (
    ("tfc_2w2a_zoo", 0), ("tfc_2w2a_zoo", 98),
    ("fixedmlp_w8a6", 0), ("fixedmlp_w8a6", 16),
    ("resconv_w4a4", 0), ("resconv_w4a4", 2304),
)
"""(model, target cycles per frame; 0 = the default target) pairs of the calibration run."""

LUT_SITES = {"LUT1": 1, "LUT2": 1, "LUT3": 1, "LUT4": 1, "LUT5": 1, "LUT6": 1, "INV": 1,
             "RAM32M": 4, "RAM64M": 4, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4,
             "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4,
             "SRL16E": 1, "SRLC32E": 1}

INSTANCE = re.compile(r"^  (\w+) (?:#\((.*)\) )?(\w+) \($", re.M)
PARAM = re.compile(r"\.(\w+)\((-?\d+)\)")


def measured(cells: dict[str, int]) -> dict[str, int]:
    """LUT/FF/BRAM18/DSP of a `stat -json` cell count."""
    return {"lut": sum(n * LUT_SITES.get(c, 0) for c, n in cells.items()),
            "ff": sum(n for c, n in cells.items() if c.startswith("FD")),
            "bram18": cells.get("RAMB18E1", 0) + 2 * cells.get("RAMB36E1", 0),
            "dsp": cells.get("DSP48E1", 0)}


READMEMH = re.compile(r'\$readmemh\("([^"]+)"')


def yosys_version() -> str:
    r = subprocess.run(["yosys", "-V"], capture_output=True, text=True)
    return r.stdout.strip()


def synth(sources: list[Path], top: str, params: dict[str, int], cache: Path,
          timeout: float | None = None) -> dict:
    """Yosys synth_xilinx of `top` (its parameters set by chparam), run in the sources'
    directory so that `$readmemh` finds the ROM files beside them. Cached by content: the
    key hashes every source (the layer module and the library cells it instantiates), every
    ROM file they load, the top, the parameters and Yosys' version, so a changed cell or ROM
    never reuses an old result. A run longer than `timeout` seconds raises TimeoutError."""
    h = hashlib.sha256()
    for s in sorted(sources):
        text = s.read_bytes()
        h.update(s.name.encode() + b"\0" + text)
        for f in sorted(set(READMEMH.findall(text.decode(errors="replace")))):
            rom = s.parent / f
            h.update(f.encode() + b"\0" + (rom.read_bytes() if rom.exists() else b"?"))
    h.update(json.dumps([top, sorted(params.items()), yosys_version()]).encode())
    hit = cache / f"{h.hexdigest()[:24]}.json"
    if hit.exists():
        return json.loads(hit.read_text())
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        stat = Path(d) / "stat.json"
        chparam = "".join(f"chparam -set {k} {v} {top}; " for k, v in params.items())
        script = (f"read_verilog {' '.join(str(s) for s in sources)}; {chparam}"
                  f"hierarchy -top {top}; synth_xilinx; tee -q -o {stat} stat -json")
        try:
            r = subprocess.run(["yosys", "-q", "-p", script], capture_output=True, text=True,
                               cwd=sources[0].parent, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise TimeoutError(f"yosys on {top} took more than {timeout} s") from e
        if r.returncode:
            raise RuntimeError(f"yosys failed on {top}: {r.stderr[-2000:]}")
        data = json.loads(stat.read_text())
    cells = data["design"]["num_cells_by_type"]
    out = {"cells": cells, **measured(cells)}
    hit.write_text(json.dumps(out))
    return out


def instances(top_v: str) -> list[tuple[str, dict[str, int], str]]:
    """(module, parameters, instance name) of every instance in `qnnc_top`, in order."""
    return [(m, dict((k, int(v)) for k, v in PARAM.findall(p or "")), n)
            for m, p, n in INSTANCE.findall(top_v)]


def run(model: str, target: int, cache: Path, folding: str = "", lanes_budget: int = 64,
        target_fps: float = 0.0, clock_mhz: float = 100.0, only: str = "",
        timeout: float | None = None) -> list[dict]:
    """Estimate vs Yosys for every unit of `model` at a folding (a target in cycles, a rate,
    a folding file or the default from `lanes_budget`); `only` (comma-separated unit names,
    e.g. "mvau,swg") restricts the units synthesized; a Yosys run past `timeout` seconds is
    reported as a row without a measurement."""
    from qnnc.driver import compile_model, write_files
    from qnnc.dialects import dataflow
    from qnnc.diagnostics import node_name
    from qnnc.pipeline import Options

    path = Path(model) if model.endswith(".onnx") else ROOT / "tests/models" / model / "model.onnx"
    comp = compile_model(path, Options(target_cycles=target, target_fps=target_fps,
                                       clock_mhz=clock_mhz, lanes_budget=lanes_budget,
                                       folding_file=folding), emit="verilog")
    label = target or (f"{target_fps:g}fps" if target_fps else
                       Path(folding).stem if folding else f"lanes{lanes_budget}")
    rows = []
    with tempfile.TemporaryDirectory() as d:
        vdir = Path(d) / "v"
        write_files(comp.outputs["verilog"], vdir)
        lib = {p.stem: p for p in vdir.glob("qnnc_*.v")}
        insts = instances((vdir / "qnnc_top.v").read_text())
        # the dataflow units in stream order, 1:1 with the instances (convert-dataflow-to-rtl)
        from qnnc.ir import make_context
        from xdsl.parser import Parser
        df = Parser(make_context(), comp.dumps["02-dataflow.mlir"]).parse_module()
        units = [o for o in df.walk() if isinstance(o, dataflow.UNIT_OPS)]
        assert len(units) == len(insts), (len(units), len(insts))
        for u, (mod, params, inst) in zip(units, insts):
            if mod in lib:
                srcs, top = [lib[mod]], mod
            else:
                text = (vdir / f"{mod}.v").read_text()
                srcs = [vdir / f"{mod}.v"] + [lib[c] for c in lib if re.search(rf"\b{c}\b", text)]
                top, params = mod, {}
            kind = u.name.removeprefix("dataflow.")
            if only and kind not in only.split(","):
                continue
            try:
                m = synth(srcs, top, params, cache, timeout)
            except TimeoutError as e:
                print(f"# {e}", file=sys.stderr)
                continue
            est = u.resources() if hasattr(u, "resources") else None
            rows.append({"model": model, "target": label, "instance": inst,
                         "unit": u.name.removeprefix("dataflow."), "node": node_name(u), "params": params,
                         "fold": u.fold(), "measured": {k: m[k] for k in ("lut", "ff", "bram18", "dsp")},
                         "estimate": None if est is None else est.resources.as_dict(), "cells": m["cells"]})
    return rows


def ratio(est: int, meas: int) -> str:
    if meas == 0:
        return "  -  " if est == 0 else " inf "
    return f"{est / meas:5.2f}"


def print_rows(rows: list[dict]) -> None:
    print(f"{'model':14} {'tgt':>12} {'instance':26} {'fold':14} "
          f"{'LUT est/yosys':>17} {'ratio':>5} {'FF est/yosys':>13} {'BRAM est/ys':>11} "
          f"{'DSP e/y':>7}")
    for r in rows:
        e, m = r["estimate"] or {"lut": 0, "ff": 0, "bram18": 0, "dsp": 0}, r["measured"]
        fold = ",".join(f"{k}{v}" for k, v in r["fold"].items())
        print(f"{r['model'][:14]:14} {str(r['target'])[:12]:>12} {r['instance'][:26]:26} {fold[:14]:14} "
              f"{e['lut']:8d}/{m['lut']:<8d} {ratio(e['lut'], m['lut'])} "
              f"{e['ff']:6d}/{m['ff']:<6d} {e['bram18']:5d}/{m['bram18']:<5d} "
              f"{e['dsp']:3d}/{m['dsp']:<3d}")


def summary(rows: list[dict]) -> str:
    worst = {}
    for key in ("lut", "bram18"):
        rs = [(r["estimate"][key] / r["measured"][key], r["instance"]) for r in rows
              if r["estimate"] and r["measured"][key]]
        miss = [r["instance"] for r in rows if r["estimate"] and not r["measured"][key]
                and r["estimate"][key]]
        lo, hi = min(rs, default=(1, "")), max(rs, default=(1, ""))
        worst[key] = f"{key}: ratio {lo[0]:.2f} ({lo[1]}) .. {hi[0]:.2f} ({hi[1]})" + \
            (f", estimated where yosys has none: {', '.join(miss)}" if miss else "")
    return "; ".join(worst.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", help="a bundled model's name or an .onnx path")
    ap.add_argument("--target-cycles", type=int, default=0)
    ap.add_argument("--target-fps", type=float, default=0.0)
    ap.add_argument("--clock-mhz", type=float, default=100.0)
    ap.add_argument("--lanes-budget", type=int, default=64)
    ap.add_argument("--folding", default="", help="a folding file (qnnc's or FINN's)")
    ap.add_argument("--only", default="", help="unit kinds to synthesize, e.g. mvau,swg")
    ap.add_argument("--timeout", type=float, default=None,
                    help="skip a unit whose Yosys run takes longer (seconds)")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "qnnc-yosys-cache"))
    ap.add_argument("--json", help="write every row (with yosys' cell counts) here")
    args = ap.parse_args()
    runs = [(args.model, args.target_cycles)] if args.model else list(CALIBRATION)
    rows = []
    for model, target in runs:
        rs = run(model, target, Path(args.cache), args.folding, args.lanes_budget,
                 args.target_fps, args.clock_mhz, args.only, args.timeout)
        print_rows(rs)
        sys.stdout.flush()
        rows += rs
    print(summary(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

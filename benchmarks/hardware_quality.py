"""Hardware quality per model and target: cycles per frame asked for, analytical and simulated.

Why: the folding search promises a throughput target; this checks, on the bundled models, that
the design it picks meets the target and that Verilator measures the analytical cycles per frame
(within 2 %), at three levels of parallelism. With `--synth` the estimated LUT/BRAM18 are put
beside `yosys synth_xilinx` of the whole design (`qnnc synth`), and with `--pnr` the ECP5 routed
fmax (`qnnc pnr`).

`python benchmarks/hardware_quality.py [MODEL ...] [--samples 4] [--synth] [--pnr]`

Targets, from the model's largest matrix work W (MW·MH·vectors of its biggest MVAU):
- low: W/64 cycles a frame (64 multipliers on the biggest layer, qnnc's default);
- medium: W/1024;
- full: full parallelism, `--target-cycles 1`: every unit as fast as its hardware allows. For
  an MLP that is one frame a clock (every MVAU at PE = MH, SIMD = MW); for a conv net the
  window generators read one input pixel a cycle (parallel window), so the padded input map's
  pixels bound a frame, and the search folds every unit for that floor (`best_cycles` in
  report.json) at the least area. Met when the design reaches its floor.
Each run is a whole `qnnc` process (`--verify` with random inputs, Verilator with random gaps
and back-pressure, then at full rate for cycles per frame).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "tests" / "models"
DEFAULT_MODELS = ("tfc_1w1a_zoo", "tfc_1w2a_zoo", "tfc_2w2a_zoo", "tfc_2w2a_dynamo",
                  "fixedmlp_w8a6", "resconv_w4a4", "cnv_1w1a", "cnv_2w2a")
LEVELS = {"low": 64, "medium": 1024, "full": 0}
"""Multipliers the largest layer would need at each level (its work divided by the target);
0: full parallelism (target 1 cycle a frame, the design's floor)."""


def qnnc(*args: str) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "qnnc.cli", *args], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr, time.perf_counter() - t0


def largest_work(model: Path, tmp: Path) -> int:
    """MW·MH·vectors of the biggest MVAU (from a default compile's report)."""
    out = tmp / "probe"
    rc, log, _ = qnnc(str(model), "-o", str(out), "--emit", "verilog")
    if rc:
        raise SystemExit(f"{model}: {log}")
    report = json.loads((out / "report.json").read_text())
    return max(e["mw"] * e["mh"] * e.get("vectors", 1) for e in report["layers"] if "mw" in e)


def run(model: Path, level: str, target: int, tmp: Path, args) -> dict:
    out = tmp / level
    cmd = [str(model), "-o", str(out), "--emit", "verilog", "--target-cycles", str(target),
           "--verify", "--samples", str(args.samples)]
    rc, log, seconds = qnnc(*cmd)
    row = {"level": level, "target": target, "rc": rc, "seconds": round(seconds, 1)}
    if rc not in (0, 1):
        row["error"] = log.strip().splitlines()[-1] if log.strip() else "?"
        return row
    report = json.loads((out / "report.json").read_text())
    v = json.loads((out / "verify.json").read_text())
    analytical = report["cycles_per_frame"]
    measured = v["cycles_per_frame_measured"]
    floor = report["folding"].get("best_cycles", analytical)
    row.update(analytical=analytical, measured=measured, mismatches=v["mismatches"],
               within_2pct=measured is not None and abs(measured - analytical) <= 0.02 * analytical,
               target_met=analytical <= target or (level == "full" and analytical == floor),
               est_lut=report["resources"]["lut"], est_bram18=report["resources"]["bram18"])
    if args.synth:
        rc, log, _ = qnnc("synth", str(out))
        if rc == 0:
            s = json.loads((out / "synth.json").read_text())
            top = s["top"]["measured"] if "top" in s else {}
            row.update(yosys_lut=top.get("lut"), yosys_bram18=top.get("bram18"))
    if args.pnr:
        rc, log, _ = qnnc("pnr", str(out), "--device", "ecp5")
        if (out / "pnr.json").exists():
            row["ecp5_fmax_mhz"] = round(json.loads((out / "pnr.json").read_text())["fmax_mhz"], 1)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", default=list(DEFAULT_MODELS))
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--levels", default=",".join(LEVELS))
    ap.add_argument("--synth", action="store_true")
    ap.add_argument("--pnr", action="store_true")
    args = ap.parse_args()
    print(f"{'model':<16} {'level':<7} {'target':>8} {'analytical':>10} {'measured':>10} "
          f"{'≤2%':>4} {'met':>4} {'mism':>5} {'est LUT':>8} {'BRAM18':>6} {'s':>7}")
    for name in args.models:
        model = Path(name) if name.endswith(".onnx") else MODELS / name / "model.onnx"
        with tempfile.TemporaryDirectory(prefix="qnnc-hwq-") as t:
            tmp = Path(t)
            work = largest_work(model, tmp)
            for level in args.levels.split(","):
                target = max(1, math.ceil(work / LEVELS[level])) if LEVELS[level] else 1
                r = run(model, level, target, tmp, args)
                if "error" in r:
                    print(f"{model.parent.name:<16} {level:<7} {target:>8} error: {r['error']}")
                    continue
                extra = "".join(f" {k}={r[k]}" for k in ("yosys_lut", "yosys_bram18",
                                                         "ecp5_fmax_mhz") if k in r)
                print(f"{model.parent.name:<16} {level:<7} {target:>8} {r['analytical']:>10} "
                      f"{r['measured'] if r['measured'] is not None else 'n/a':>10} "
                      f"{'yes' if r['within_2pct'] else 'NO':>4} "
                      f"{'yes' if r['target_met'] else 'NO':>4} {r['mismatches']:>5} "
                      f"{r['est_lut']:>8} {r['est_bram18']:>6} {r['seconds']:>7}{extra}",
                      flush=True)


if __name__ == "__main__":
    main()

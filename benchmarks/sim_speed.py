"""Verilator simulation speed of qnnc's generated Verilog: frames per second at full rate.

Compiles a model (a bundled one by name, or any .onnx path), builds the Verilator harness the
`--verify` flow uses, and times a full-rate run of N random frames (the build is timed apart).
`python benchmarks/sim_speed.py cnv_2w2a [--frames 20] [--lanes-budget 64]`; `--sr 128`
simulates a 128×128 super-resolution net (tests/convnets.py) instead.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the test-net builders (tests/convnets.py)


def model_path(name: str, sr: int, tmp: Path) -> Path:
    if sr:
        import onnx
        from convnets import SRSpec, build_srnet

        path = tmp / f"sr{sr}.onnx"
        onnx.save(build_srnet(SRSpec(height=sr, width=sr)), path)
        return path
    p = Path(name)
    return p if p.suffix == ".onnx" else ROOT / "tests" / "models" / name / "model.onnx"


def main() -> None:
    from qnnc.backends.sim import verilator as vsim
    from qnnc.driver import compile_model, write_files
    from qnnc.pipeline import Options
    from qnnc.verify import stimulus

    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default="cnv_2w2a")
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--lanes-budget", type=int, default=64)
    ap.add_argument("--sr", type=int, default=0, help="a SR net of this height and width")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = model_path(args.model, args.sr, tmp)
        t0 = time.perf_counter()
        comp = compile_model(path, Options(lanes_budget=args.lanes_budget), emit="verilog")
        t_compile = time.perf_counter() - t0
        write_files(comp.outputs["verilog"], tmp / "v")
        t0 = time.perf_counter()
        sim = vsim.VerilatorSim.build(sorted((tmp / "v").glob("*.v")), "qnnc_top", tmp / "sim",
                                      runtime_cache=vsim.runtime_cache_dir())
        t_build = time.perf_counter() - t0
        i_s = comp.report["input_stream"]
        lo, hi = (-1, 1) if i_s["element_type"] == "bipolar" else (0, 2 ** i_s["element_bits"] - 1)
        codes = np.random.default_rng(0).integers(lo, hi + 1, size=(args.frames, i_s["elements"]))
        if i_s["element_type"] == "bipolar":
            codes = np.where(codes >= 0, 1, -1)
        s = stimulus(comp, codes, 0)
        padded = (s.in_width + 7) // 8 * 8
        t0 = time.perf_counter()
        run = sim.run(s.beats, in_width=padded, n_out_beats=s.frames * s.out_beats_per_frame,
                      seed=0, valid_prob=1.0, ready_prob=1.0,
                      max_cycles=10 * (s.frames + 4) * s.cycles_per_frame + 100000)
        t_sim = time.perf_counter() - t0
    name = f"sr{args.sr}x{args.sr}" if args.sr else Path(args.model).stem
    print(f"{name}: compile {t_compile:.2f} s, Verilator build {t_build:.1f} s, "
          f"{args.frames} frames in {t_sim:.2f} s = {args.frames / t_sim:.2f} frames/s "
          f"({run.total_cycles / t_sim / 1e6:.2f} M cycles/s, "
          f"{comp.report['cycles_per_frame']} cycles/frame)")


if __name__ == "__main__":
    main()

"""How qnnc's compile time grows with the model: seconds against parameter count, from tiny MLPs
to LFC size, plus the bundled CNV, and the fitted exponent.

`python benchmarks/compile_scaling.py [--runs N] [--widths 32,64,...] [--steps]`

The MLPs are 784-W-W-W-10 with 1-bit (bipolar) weights and activations, BatchNorm folded into
thresholds, an 8-bit input quantizer, built with `onnx.helper` by the test generators
(`tests/generators.py`, needs the dev extra); W = 1024 is FINN's LFC (784-1024-1024-1024-10,
2.9 M weights). Each model is compiled in process with `compile_model` + `write_outputs` (imports
paid once, before the first timed run); the figure is the median of N runs. The exponent b of
seconds ≈ a·params^b is a least-squares fit in log-log over the MLP series (the smallest models
are dominated by fixed costs, so the fit also reports b over the upper half). b <= 1 means
compile time grows no faster than the model. `--steps` prints the slowest steps (`--time-passes`
rows) of the largest model.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the model builders (tests/generators.py)


def lfc_like(width: int, seed: int = 0):
    """784-W-W-W-10, bipolar weights and activations, BatchNorm before each activation."""
    from generators import DenseSpec, MLPSpec, QuantSpec, build_mlp

    bipolar = QuantSpec(kind="bipolar")
    hidden = [DenseSpec(width, weight_quant=bipolar, batchnorm="pos", act_quant=bipolar,
                        seed=seed + i) for i in range(3)]
    last = DenseSpec(10, weight_quant=bipolar, batchnorm="pos", seed=seed + 3)
    spec = MLPSpec(784, input_quant=QuantSpec(bits=8, signed=False, scale=(1 / 255,)),
                   layers=(*hidden, last), seed=seed)
    return build_mlp(spec)


def parameters(path: Path) -> int:
    """Elements of the model's initializers (weights, biases, BatchNorm, quantizer params)."""
    import onnx

    model = onnx.load(str(path))
    return sum(math.prod(t.dims) for t in model.graph.initializer)


def time_compile(path: Path, runs: int):
    from qnnc.driver import compile_model, write_outputs

    times, comp = [], None
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="qnnc-scaling-") as tmp:
            t0 = time.perf_counter()
            comp = compile_model(path)
            write_outputs(comp, Path(tmp) / "out")
            times.append(time.perf_counter() - t0)
    return statistics.median(times), comp


def fit(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(seconds) against log(params)."""
    xs = [math.log(p) for p, _ in points]
    ys = [math.log(s) for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per model (median)")
    ap.add_argument("--widths", default="32,64,128,256,512,1024",
                    help="hidden widths W of the 784-W-W-W-10 MLPs")
    ap.add_argument("--steps", action="store_true", help="the slowest steps of the largest model")
    args = ap.parse_args()
    import onnx

    from qnnc.driver import compile_model

    widths = [int(w) for w in args.widths.split(",")]
    print(f"qnnc compile (compile_model + write_outputs, in process), median of {args.runs} runs")
    print(f"{'model':<26} {'params':>10} {'seconds':>8} {'us/param':>9} {'layers':>7}")
    points: list[tuple[int, float]] = []
    last_comp = None
    with tempfile.TemporaryDirectory(prefix="qnnc-scaling-models-") as d:
        compile_model(ROOT / "tests" / "models" / "tfc_1w1a_zoo" / "model.onnx")  # imports
        for w in widths:
            path = Path(d) / f"mlp{w}.onnx"
            onnx.save(lfc_like(w), str(path))
            n = parameters(path)
            seconds, comp = time_compile(path, args.runs)
            points.append((n, seconds))
            last_comp = comp
            name = f"mlp 784-{w}-{w}-{w}-10" + (" (LFC)" if w == 1024 else "")
            print(f"{name:<26} {n:>10} {seconds:>8.3f} {1e6 * seconds / n:>9.3f} "
                  f"{len(comp.report['layers']):>7}", flush=True)
    cnv = ROOT / "tests" / "models" / "cnv_2w2a" / "model.onnx"
    seconds, comp = time_compile(cnv, args.runs)
    n = parameters(cnv)
    print(f"{'cnv_2w2a (bundled)':<26} {n:>10} {seconds:>8.3f} {1e6 * seconds / n:>9.3f} "
          f"{len(comp.report['layers']):>7}")
    b = fit(points)
    upper = points[len(points) // 2:]
    print(f"\nfitted exponent (seconds ~ params^b) over the MLPs: b = {b:.2f}"
          + (f"; over the upper half ({upper[0][0]}..{upper[-1][0]} params): "
             f"b = {fit(upper):.2f}" if len(upper) >= 2 else ""))
    print("b <= 1: compile time grows no faster than the model (the fixed costs of small models "
          "pull b below 1)")
    if args.steps and last_comp is not None:
        rows = sorted(last_comp.timings.seconds().items(), key=lambda r: -r[1])[:10]
        print(f"\nslowest steps of the largest MLP ({widths[-1]}):")
        for step, s in rows:
            print(f"  {s:8.3f} s  {step}")


if __name__ == "__main__":
    main()

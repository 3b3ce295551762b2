"""The default lowering pipeline, as named stages (like MLIR Toy's `--emit` actions).

Each stage is a list of passes; the driver verifies the module after every pass and dumps the IR
after every stage (`out/ir/NN-<stage>.mlir`).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from qnnc.diagnostics import QnncError, internal_errors
from qnnc.universe import all_passes, all_targets

STAGES = ("quant", "quant-streamlined", "dataflow", "rtl")


@dataclass(frozen=True)
class Options:
    """Options of the pipeline's passes (dataflow-fold's: a target in cycles per frame, or in
    frames per second at a clock; the default target's multipliers; a folding file) and the
    whole-design resource budget checked after the dataflow stage (`qnnc.report.check_budget`;
    keys lut, ff, bram, dsp)."""

    target_cycles: int = 0
    target_fps: float = 0.0
    clock_mhz: float = 100.0
    lanes_budget: int = 64
    folding_file: str = ""
    budget: tuple[tuple[str, int], ...] = ()
    rules_files: tuple[str, ...] = ()  # `--rules`: apply-rules at the end of the dataflow stage


def stage_passes(stage: str, opts: Options) -> list[ModulePass]:
    registry = all_passes()

    def p(name: str, **options) -> ModulePass:
        return registry[name]()(**options)
    if stage == "quant":
        return []
    if stage == "quant-streamlined":
        return [p("quant-streamline"), p("quant-absorb-transposes"), p("quant-partition-host")]
    if stage == "dataflow":
        return [p("convert-quant-to-dataflow"),
                p("dataflow-fold", target_cycles=opts.target_cycles, target_fps=opts.target_fps,
                  clock_mhz=opts.clock_mhz, lanes_budget=opts.lanes_budget,
                  folding_file=opts.folding_file),
                p("dataflow-choose-activation"),
                p("dataflow-insert-fifos"),
                *(p("apply-rules", file=f) for f in opts.rules_files)]
    if stage == "rtl":
        return [p("convert-dataflow-to-rtl")]  # each backend prepares (names) for itself
    raise ValueError(stage)


def run_stage(ctx: Context, module: ModuleOp, stage: str, opts: Options) -> None:
    """Run a stage's passes, verifying after each. A pass that fails with anything but a
    `QnncError` (a user error it diagnosed) is a compiler bug: it surfaces as an
    `InternalError` naming the pass and, when known, the ONNX node it was lowering; so does IR
    a pass leaves invalid."""
    for ps in stage_passes(stage, opts):
        with internal_errors(f"pass '{ps.name}'"):
            ps.apply(ctx, module)
        with internal_errors(f"the IR verifier after pass '{ps.name}'"):
            module.verify()


DEFAULT_EMIT = "all"


def emit_plan(emit: str) -> tuple[str, tuple[str, ...]]:
    """`--emit`: a level to stop after (no backend runs), or a comma-separated list of
    backends (`all`: every registered one) after the full pipeline. Returns (last stage,
    targets); an unknown name is a user error listing the choices."""
    if emit in STAGES:
        return emit, ()
    known = tuple(all_targets())
    names = known if emit == DEFAULT_EMIT else tuple(n.strip() for n in emit.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise QnncError(f"--emit {emit!r}: choose a level ({', '.join(STAGES)}) or backends "
                        f"({', '.join(known)}, comma-separated, or {DEFAULT_EMIT})")
    return STAGES[-1], tuple(dict.fromkeys(names))

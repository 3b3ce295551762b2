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
                p("dataflow-insert-fifos")]
    if stage == "rtl":
        return [p("convert-dataflow-to-rtl")]  # each backend prepares (names) for itself
    raise ValueError(stage)


def run_stage(ctx: Context, module: ModuleOp, stage: str, opts: Options) -> None:
    """Run a stage's passes, verifying after each (see `run_pass`)."""
    for ps in stage_passes(stage, opts):
        run_pass(ctx, module, ps)


def run_pass(ctx: Context, module: ModuleOp, ps: ModulePass) -> None:
    """Run one pass and verify the module. A pass that fails with anything but a `QnncError` (a
    user error it diagnosed) is a compiler bug: it surfaces as an `InternalError` naming the
    pass and, when known, the ONNX node it was lowering; so does IR a pass leaves invalid."""
    with internal_errors(f"pass '{ps.name}'"):
        ps.apply(ctx, module)
    with internal_errors(f"the IR verifier after pass '{ps.name}'"):
        module.verify()


def default_passes(opts: Options, start: str, stop: str,
                   done: frozenset[str] | set[str] = frozenset()) -> list[tuple[ModulePass, bool]]:
    """The default pipeline from a module at level `start` through the stage `stop`, as (pass,
    ends a stage) pairs; passes of `start`'s own stage run unless `done` (their marks are in the
    IR, `qnnc.levels.done_passes`)."""
    out: list[tuple[ModulePass, bool]] = []
    first = STAGES.index(start)
    for stage in STAGES[first: STAGES.index(stop) + 1]:
        todo = [ps for ps in stage_passes(stage, opts)
                if stage != start or ps.name not in done]
        if stage == start and len(todo) == len(stage_passes(stage, opts)):
            todo = []  # a complete module of `start`'s level: its stage has run
        out += [(ps, i == len(todo) - 1) for i, ps in enumerate(todo)]
    return out


def parse_pass_pipeline(spec: str) -> list[ModulePass]:
    """`--pass-pipeline 'p1,p2{opt=v}'` (xDSL's pipeline syntax, as `qnnc-opt -p` takes it) →
    passes. An unknown pass (with close matches) or a bad option is a user error."""
    import difflib

    from xdsl.passes import PassPipeline

    from qnnc.universe import backend_passes

    available = {**all_passes(), **backend_passes()}
    try:
        return list(PassPipeline.parse_spec(available, spec).passes)
    except ValueError as e:
        text = str(e).splitlines()[0] if str(e) else type(e).__name__
        if text.startswith("Unrecognized passes"):
            import re

            names = re.findall(r"'([^']*)'", text)
            hints = [f"'{n}'" + (f" (did you mean {', '.join(h)}?)"
                                 if (h := difflib.get_close_matches(n, available, n=3)) else "")
                     for n in names]
            raise QnncError(f"--pass-pipeline: unknown pass {', '.join(hints)}; available: "
                            f"{', '.join(sorted(available))}")
        raise QnncError(f"--pass-pipeline {spec!r}: {' '.join(str(e).split())}")
    except Exception as e:  # noqa: BLE001  xDSL's option parsing raises several kinds
        raise QnncError(f"--pass-pipeline {spec!r}: {' '.join(str(e).split())}")
    except BaseException as e:  # ArgSpecParseError derives from BaseException
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        raise QnncError(f"--pass-pipeline {spec!r}: {' '.join(str(e).split())}")


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

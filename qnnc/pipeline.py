"""The default lowering pipeline, as named stages (like MLIR Toy's `--emit` actions).

Each stage is a list of passes; the driver verifies the module after every pass and dumps the IR
after every stage (`out/ir/NN-<stage>.mlir`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qnnc.diagnostics import QnncError, internal_errors
from qnnc.timing import Timings

if TYPE_CHECKING:  # the CLI imports this module to parse its arguments: no xDSL until compiling
    from xdsl.context import Context
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.passes import ModulePass

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
    extra_passes: tuple[tuple[str, str], ...] = ()
    """`--extra-pass WHERE:SPEC`: (where, pass pipeline spec) run after the default pass named
    WHERE, or at the end of stage WHERE (`parse_extra_pass`)."""
    rules_files: tuple[str, ...] = ()  # `--rules`: apply-rules at the end of the dataflow stage


def stage_passes(stage: str, opts: Options) -> list[ModulePass]:
    """The stage's default passes, with the `--extra-pass`es placed after theirs."""
    passes = _default_stage_passes(stage, opts)
    if not opts.extra_passes:
        return passes
    from qnnc.universe import parse_pass_pipeline

    out: list[ModulePass] = []
    for ps in passes:
        out.append(ps)
        for where, spec in opts.extra_passes:
            if where == ps.name:
                out.extend(parse_pass_pipeline(spec, "--extra-pass"))
    for where, spec in opts.extra_passes:
        if where == stage:
            out.extend(parse_pass_pipeline(spec, "--extra-pass"))
    return out


def default_pass_names() -> list[str]:
    return [p.name for st in STAGES for p in _default_stage_passes(st, Options())]


def parse_extra_pass(text: str) -> tuple[str, str]:
    """`WHERE:SPEC` (`--extra-pass`): WHERE is a stage (the passes run at its end, before its
    IR dump) or a pass of the default pipeline (they run right after it); SPEC is an xDSL pass
    pipeline (`name{opt=v},other`) over every registered pass, plugins' included. Checked
    before any work: a bad one is a `QnncError` with close matches."""
    from qnnc.universe import did_you_mean, parse_pass_pipeline

    where, sep, spec = text.partition(":")
    where, spec = where.strip(), spec.strip()
    places = [*STAGES, *default_pass_names()]
    if not sep or not spec:
        raise QnncError(f"--extra-pass {text!r}: expected WHERE:PASSES, WHERE a stage or a "
                        f"pass of the pipeline ({', '.join(places)})")
    if where not in places:
        raise QnncError(f"--extra-pass {text!r}: unknown place {did_you_mean(where, places)}; "
                        f"a stage or a pass of the pipeline: {', '.join(places)}")
    parse_pass_pipeline(spec, "--extra-pass")
    return where, spec


def _default_stage_passes(stage: str, opts: Options) -> list[ModulePass]:
    from qnnc.universe import all_passes

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


def run_stage(ctx: Context, module: ModuleOp, stage: str, opts: Options,
              timings: Timings | None = None) -> None:
    """Run a stage's passes, verifying after each (see `run_pass`)."""
    timings = timings or Timings()
    with timings(f"load the passes of stage {stage}"):
        passes = stage_passes(stage, opts)
    for ps in passes:
        run_pass(ctx, module, ps, timings)


def run_pass(ctx: Context, module: ModuleOp, ps: ModulePass,
             timings: Timings | None = None) -> None:
    """Run one pass and verify the module. A pass that fails with anything but a `QnncError` (a
    user error it diagnosed) is a compiler bug: it surfaces as an `InternalError` naming the
    pass and, when known, the ONNX node it was lowering; so does IR a pass leaves invalid.
    `timings` gets a row for the pass (its name) and for the verification."""
    timings = timings or Timings()
    with internal_errors(f"pass '{ps.name}'"), timings(f"pass {ps.name}"):
        ps.apply(ctx, module)
    with internal_errors(f"the IR verifier after pass '{ps.name}'"), \
            timings(f"verify after {ps.name}"):
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
    passes over every registered pass (qnnc's, the backends' prepare steps, plugins'); a
    malformed spec, an unknown pass (with close matches) or a bad option is a user error."""
    from qnnc import universe

    return universe.parse_pass_pipeline(spec, "--pass-pipeline")


DEFAULT_EMIT = "all"


def emit_plan(emit: str) -> tuple[str, tuple[str, ...]]:
    """`--emit`: a level to stop after (no backend runs), or a comma-separated list of
    backends (`all`: every registered one) after the full pipeline. Returns (last stage,
    targets); an unknown name is a user error listing the choices."""
    if emit in STAGES:
        return emit, ()
    from qnnc.universe import all_targets

    known = tuple(all_targets())
    names = known if emit == DEFAULT_EMIT else tuple(n.strip() for n in emit.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        from qnnc.universe import did_you_mean

        hint = "".join(f"; unknown {did_you_mean(n, (*STAGES, *known, DEFAULT_EMIT))}"
                       for n in unknown)
        raise QnncError(f"--emit {emit!r}: choose a level ({', '.join(STAGES)}) or backends "
                        f"({', '.join(known)}, comma-separated, or {DEFAULT_EMIT}){hint}")
    return STAGES[-1], tuple(dict.fromkeys(names))

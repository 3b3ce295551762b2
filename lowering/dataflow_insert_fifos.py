"""dataflow-insert-fifos: a FIFO on every stream between two streaming units (dataflow → dataflow).

Preconditions: `@core` is folded (`dataflow-fold`).

Postconditions: every stream from one unit (`mvau`, `threshold`, `dwc`, `pad`, `swg`, `pool`,
`fork`, `add`) to another passes through a `dataflow.fifo`; the accelerator's own input and
output are left bare. Running the pass again changes nothing.

Strategy: an MVAU reads a vector's beats only during the first pass over its weights and then
replays them from its buffer, so its consumption is bursty, and it writes a vector's outputs
in a burst. A FIFO of two bursts of its producer or reader (`fifo_depth`; an MVAU's input or
output vector, a window generator's window; capped at one frame's beats, at least `min-depth`)
lets each unit run at its own rate, so the pipeline's throughput is the slowest unit's. For an
MLP a vector is the frame: one frame of beats.

A residual block forks a stream into a long branch (window generator, MVAU, ...) and a short
one that meet at an `add` (or a `concat`). The join takes pixel i of both together, so the short branch must
hold every element the fork sends before the long branch produces element i, or the fork stalls
the long branch that the add waits for (deadlock). `branch_lag` adds up, per unit, how many
pixels ahead of its output a unit must read (a window generator: its line buffer of rows; an
MVAU: the vectors its pipeline holds); the
short branch's FIFO holds the difference (plus slack), at most a frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.ir import Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from qnnc.dialects import dataflow

PRODUCERS = tuple(u for u in dataflow.UNIT_OPS if u is not dataflow.FifoOp)
JOINS = (dataflow.AddOp, dataflow.ConcatOp)
"""Units that read two streams pixel by pixel (where a fork's branches meet)."""
SLACK_PIXELS = 2
"""Pixels of slack on a residual's short branch beyond the computed lag."""

# ----------------------------------------------------------------------------------------------
# Pure helpers
# ----------------------------------------------------------------------------------------------


def in_burst(reader: Operation) -> int:
    """Beats a unit reads in one burst: an MVAU's vector (MW/SIMD beats), else 1."""
    if isinstance(reader, dataflow.MVAUOp):
        return reader.mw // reader.simd.value.data
    return 1


def out_burst(producer: Operation) -> int:
    """Beats a unit writes in one burst: an MVAU's output vector (MH/PE beats), a window
    generator's window, else 1."""
    if isinstance(producer, dataflow.MVAUOp):
        return producer.mh // producer.pe.value.data
    if isinstance(producer, dataflow.SwgOp):
        return producer.window() * producer.channels // producer.out_type.p
    return 1


def idle_beats(reader: Operation) -> int:
    """Beats of its input a unit leaves unread in the longest stretch of its frame while it
    keeps working: a padding writes the bottom border of one frame and the top border of the
    next (and a row's right and the next row's left border) without reading; others 0."""
    if isinstance(reader, dataflow.PadOp):
        t, left, b, r = dataflow.array_ints(reader.pads)
        per_pixel = reader.channels // reader.pe.value.data
        return ((t + b) * reader.out_hw()[1] + left + r) * per_pixel
    return 0


def window_gap(swg: dataflow.SwgOp) -> int:
    """Cycles a parallel-window generator at full rate writes no window between the last of one
    frame and the first of the next: the pixels after the last window's bottom-right, the
    dropped rows, and the next frame's first KE−1 rows and KEW−1 pixels."""
    (kh, kw), (sh, sw), (dh, dw) = (dataflow.array_ints(a) for a in (swg.kernel, swg.strides,
                                                                     swg.dilations))
    ke, kew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    oh, ow = swg.out_hw()
    last_row, last_col = (oh - 1) * sh + ke - 1, (ow - 1) * sw + kew - 1
    pixels = (swg.width - 1 - last_col) + (swg.height - 1 - last_row) * swg.width \
        + (ke - 1) * swg.width + kew - 1
    return pixels * (swg.channels // swg.simd.value.data)


PACE_PASSING = (dataflow.MVAUOp, dataflow.DwcOp, dataflow.FifoOp, dataflow.ThresholdOp,
                dataflow.ForkOp)
"""Units whose output keeps the pauses of their input (one output vector per input vector; a
fork on both branches)."""


def gap_source(producer: Operation) -> dataflow.SwgOp | None:
    """The parallel-window generator whose pauses the producer passes on (through MVAUs,
    converters, thresholds, FIFOs, forks), if any."""
    u = producer
    while isinstance(u, PACE_PASSING):
        src = u.operands[0]
        if not isinstance(src, OpResult):
            return None
        u = src.op
    return u if isinstance(u, dataflow.SwgOp) and u.parallel_window() else None


def output_gap(producer: Operation, reader: Operation) -> int:
    """Cycles in the longest pause of the producer's output a frame that the reader must work
    through: a parallel-window generator's (`window_gap`) when the reader is slower than that
    generator (otherwise the pause is within the generator's own cycles a frame, which pace
    the reader anyway); 0 for steady producers."""
    src = gap_source(producer)
    if src is None or reader.cycles() <= src.cycles():
        return 0
    return window_gap(src)


def fifo_depth(stream: dataflow.StreamType, producer: Operation, reader: Operation,
               min_depth: int) -> int:
    """Two bursts of the reader or the producer, at most one frame of beats, at least
    min_depth; and room for the pauses of both sides, so neither stalls the other:
    - a producer downstream of a parallel-window generator writes nothing for `output_gap`
      cycles a frame, and that generator cannot read ahead while its window waits; a slower
      reader keeps working through the pause on what the FIFO holds: the beats it reads in
      that time (stream beats / reader cycles a frame, a beat a cycle at most);
    - a reader that pauses (a padding's borders, `idle_beats`) leaves that many beats unread
      while its producer goes on."""
    depth = 2 * max(in_burst(reader), out_burst(producer))
    gap, idle = output_gap(producer, reader), idle_beats(reader)
    if gap or idle:
        per_cycle = min(1.0, stream.beats / max(1, reader.cycles()))
        depth = max(depth, 2 + idle + math.ceil(gap * per_cycle))
    return max(min_depth, min(stream.beats, depth))


def lag_pixels(u: Operation) -> int:
    """How many input pixels a unit reads before the output pixel they align with (an upper
    bound): a window generator fills its line buffer (rows of its input map) first; the other
    units work on one pixel (or vector) at a time."""
    if isinstance(u, dataflow.SwgOp):
        (kh, _), (sh, _), (dh, _) = (dataflow.array_ints(a) for a in (u.kernel, u.strides,
                                                                     u.dilations))
        return ((kh - 1) * dh + 1 + sh) * u.width
    if isinstance(u, dataflow.PadOp):
        return dataflow.array_ints(u.pads)[0] * u.out_hw()[1] + u.width
    if isinstance(u, (dataflow.FifoOp, dataflow.DwcOp, dataflow.ForkOp)):
        return 0
    if isinstance(u, dataflow.MVAUOp):
        # its pipeline holds a vector back by pipeline_latency() cycles, at most that many
        # vectors at one a cycle (fewer when a vector takes several cycles)
        per_vector = u.cycles() // max(1, u.vectors)
        return 1 + math.ceil(u.pipeline_latency() / max(1, per_vector))
    return 1


def branch_lag(v: SSAValue) -> tuple[int, Operation | None, list[dataflow.FifoOp]]:
    """Follow a stream through single-reader units to the join (add, concat) that ends it:
    (total lag in pixels, the join or None, the FIFOs on the way)."""
    lag, fifos = 0, []
    while True:
        uses = list(v.uses)
        if len(uses) != 1:
            return lag, None, fifos
        u = uses[0].operation
        if isinstance(u, JOINS):
            return lag, u, fifos
        if not isinstance(u, dataflow.UNIT_OPS) or isinstance(u, dataflow.ForkOp):
            return lag, None, fifos
        if isinstance(u, dataflow.FifoOp):
            fifos.append(u)
        lag += lag_pixels(u)
        v = u.results[0]


def size_residual_fifos(fork: dataflow.ForkOp) -> None:
    """Deepen the first FIFO of the fork's shorter branch to hold the longer branch's lag."""
    branches = [branch_lag(r) for r in fork.results]
    if any(b[1] is None for b in branches) or branches[0][1] is not branches[1][1] \
            or any(not b[2] for b in branches):
        return
    join = branches[0][1]
    pixels = join.out_type.n // join.channels
    (lag0, _, f0), (lag1, _, f1) = branches
    short, diff = (f0[0], lag1 - lag0) if lag0 <= lag1 else (f1[0], lag0 - lag1)
    t = short.in_type
    per_pixel = t.n // pixels if t.n % pixels == 0 else t.n
    need = math.ceil((diff + SLACK_PIXELS) * per_pixel / t.p) + 2
    depth = max(short.depth.value.data, min(need, t.beats + 2))
    short.properties["depth"] = IntegerAttr(depth, 64)


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataflowInsertFifosPass(ModulePass):
    """Insert a FIFO between connected units; size the residual branches."""

    name = "dataflow-insert-fifos"
    min_depth: int = 2

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for f in op.ops:
            if not (isinstance(f, func.FuncOp) and f.sym_name.data == "core"):
                continue
            for u in list(f.body.block.ops):
                if not isinstance(u, PRODUCERS):
                    continue
                for i, src in enumerate(u.operands):
                    if isinstance(src, OpResult) and isinstance(src.op, PRODUCERS):
                        fifo = dataflow.FifoOp.build(
                            operands=[src], result_types=[src.type],
                            properties={"depth": IntegerAttr(
                                fifo_depth(src.type, src.op, u, self.min_depth), 64)})
                        fifo.location = u.location
                        Rewriter.insert_op(fifo, InsertPoint.before(u))
                        u.operands[i] = fifo.output
            for u in f.body.block.ops:
                if isinstance(u, dataflow.ForkOp):
                    size_residual_fifos(u)

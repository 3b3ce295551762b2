"""dataflow-insert-fifos: a FIFO between every two streaming units (dataflow → dataflow).

Preconditions: `@core` is folded (`dataflow-fold`).

Postconditions: every stream from one unit (`mvau`, `threshold`, `dwc`) to another passes
through a `dataflow.fifo`; the accelerator's own input and output are left bare.

Strategy: an MVAU reads its input only during the first pass over its weights and then replays
it from its buffer, so its consumption is bursty. A FIFO of one frame's beats (at least 2) lets
each unit run at its own rate, so the pipeline's throughput is the slowest unit's
(`cycles_per_frame`) rather than a product of stalls.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.ir import OpResult
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from qnnc.dialects import dataflow

PRODUCERS = (dataflow.MVAUOp, dataflow.ThresholdOp, dataflow.DwcOp)


def fifo_depth(stream: dataflow.StreamType, min_depth: int) -> int:
    """One frame of beats, at least min_depth."""
    return max(min_depth, stream.beats)


@dataclass(frozen=True)
class DataflowInsertFifosPass(ModulePass):
    """Insert a FIFO of one frame between consecutive units."""

    name = "dataflow-insert-fifos"
    min_depth: int = 2

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for f in op.ops:
            if not (isinstance(f, func.FuncOp) and f.sym_name.data == "core"):
                continue
            for u in list(f.body.block.ops):
                if not isinstance(u, PRODUCERS) or isinstance(u, dataflow.FifoOp):
                    continue
                src = u.input
                if isinstance(src, OpResult) and isinstance(src.op, PRODUCERS):
                    fifo = dataflow.FifoOp.build(
                        operands=[src], result_types=[src.type],
                        properties={"depth": IntegerAttr(fifo_depth(src.type, self.min_depth), 64)})
                    fifo.location = u.location
                    Rewriter.insert_op(fifo, InsertPoint.before(u))
                    u.operands[0] = fifo.output

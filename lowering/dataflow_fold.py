"""dataflow-fold: choose PE/SIMD for every unit and insert width converters (dataflow → dataflow).

Preconditions: `@core` is a chain `to_stream → units → from_stream` (any current folding).

Postconditions: every `dataflow.mvau` / `dataflow.threshold` has its PE (and SIMD) set, every
stream type carries the matching lanes, and a `dataflow.dwc` sits wherever a producer's lanes
differ from what its consumer reads. `to_stream` produces what the first unit reads.

Strategy: a target of cycles per frame T is chosen (the `target-cycles` option, or by default
the cycles the largest layer needs with `lanes-budget` multipliers); each unit then gets the
cheapest folding (fewest PE·SIMD lanes) that meets T, so the layers are balanced around the
slowest one. A JSON file (`folding-file`) can pin `{"<node>": {"pe": P, "simd": S}}` per layer.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from qnnc.diagnostics import QnncError, node_name, op_error
from qnnc.dialects import dataflow

# ----------------------------------------------------------------------------------------------
# Pure helpers
# ----------------------------------------------------------------------------------------------


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def cheapest_mvau_folding(mw: int, mh: int, target: int, prefer_simd: int = 0) -> tuple[int, int]:
    """(pe, simd) with the fewest lanes such that (mw/simd)·(mh/pe) ≤ target; ties go first to
    the smaller PE (every PE lane has its own thresholds and comparators, a SIMD lane only a
    multiplier), then to SIMD = prefer_simd (the producer's lanes: no width converter).
    Full parallelism if nothing meets the target."""
    best = None
    for pe in divisors(mh):
        for simd in divisors(mw):
            if (mw // simd) * (mh // pe) <= target:
                key = (pe * simd, pe, simd != prefer_simd)
                if best is None or key < best[0]:
                    best = (key, (pe, simd))
    return best[1] if best else (mh, mw)


def cheapest_threshold_folding(channels: int, target: int) -> int:
    return next((pe for pe in divisors(channels) if channels // pe <= target), channels)


def default_target(units: list[Operation], lanes_budget: int) -> int:
    """Cycles per frame of the largest matrix product given `lanes_budget` multipliers."""
    work = [u.mw * u.mh for u in units if isinstance(u, dataflow.MVAUOp)]
    if not work:
        work = [u.in_type.n for u in units]
    return max(1, math.ceil(max(work) / max(1, lanes_budget)))


def load_folding_file(path: str) -> dict[str, dict[str, int]]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise QnncError(f"cannot read folding file '{path}': {e}")
    if not isinstance(data, dict):
        raise QnncError(f"folding file '{path}' must map layer names to {{\"pe\", \"simd\"}}")
    for name, fold in data.items():  # the fold arithmetic below assumes positive integers
        if not isinstance(fold, dict):
            raise QnncError(f"folding file '{path}': layer '{name}' must map to "
                            f"{{\"pe\": P, \"simd\": S}}")
        for key, v in fold.items():
            if key in ("pe", "simd") and (type(v) is not int or v < 1):
                raise QnncError(f"folding file '{path}': layer '{name}': {key} must be a "
                                f"positive integer, got {json.dumps(v)}")
    return data


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataflowFoldPass(ModulePass):
    """Set PE/SIMD per unit to balance the pipeline; insert width converters."""

    name = "dataflow-fold"
    target_cycles: int = 0
    lanes_budget: int = 64
    folding_file: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        core = next((f for f in op.ops if isinstance(f, func.FuncOp) and f.sym_name.data == "core"),
                    None)
        if core is None:
            return
        block = core.body.block
        units = [o for o in block.ops if isinstance(o, (dataflow.MVAUOp, dataflow.ThresholdOp))]
        if not units:
            return
        target = self.target_cycles or default_target(units, self.lanes_budget)
        pinned = load_folding_file(self.folding_file) if self.folding_file else {}
        known = {node_name(u) for u in units}
        for name in pinned:
            if name not in known:
                raise QnncError(f"folding file names layer '{name}', which is not in the "
                                f"accelerator (layers: {', '.join(sorted(known))})")
        for o in list(block.ops):
            if isinstance(o, dataflow.DwcOp):  # refolding: old converters go
                o.results[0].replace_all_uses_with(o.input)
                Rewriter.erase_op(o)
        for u in units:
            self._fold(u, target, pinned.get(node_name(u)))

    @staticmethod
    def _fold(u: Operation, target: int, pin: dict | None) -> None:
        if isinstance(u, dataflow.MVAUOp):
            pe, simd = (pin.get("pe", 1), pin.get("simd", 1)) if pin else \
                cheapest_mvau_folding(u.mw, u.mh, target, u.input.type.p)
            if u.mh % pe or u.mw % simd or pe < 1 or simd < 1:
                raise op_error(u, f"folding PE={pe}, SIMD={simd} does not divide the "
                               f"{u.mh}x{u.mw} weight matrix")
            in_lanes, out_lanes = simd, pe
            u.properties["pe"] = IntegerAttr(pe, 64)
            u.properties["simd"] = IntegerAttr(simd, 64)
        else:
            c = u.in_type.n
            pe = pin.get("pe", 1) if pin else cheapest_threshold_folding(c, target)
            if pe < 1 or c % pe:
                raise op_error(u, f"folding PE={pe} does not divide {c} channels")
            in_lanes = out_lanes = pe
            u.properties["pe"] = IntegerAttr(pe, 64)
        src = u.input
        want = dataflow.StreamType(src.type.element_type, src.type.n, in_lanes)
        if src.type != want:
            if isinstance(src.owner, dataflow.ToStreamOp):
                Rewriter.replace_value_with_new_type(src, want)
            else:
                dwc = dataflow.DwcOp.build(operands=[src], result_types=[want])
                dwc.location = u.location
                Rewriter.insert_op(dwc, InsertPoint.before(u))
                u.operands[0] = dwc.output
        o = u.output
        Rewriter.replace_value_with_new_type(
            o, dataflow.StreamType(o.type.element_type, o.type.n, out_lanes))

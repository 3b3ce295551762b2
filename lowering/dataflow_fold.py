"""dataflow-fold: choose the lanes of every unit and insert width converters (dataflow → dataflow).

Preconditions: `@core` is `to_stream → units → from_stream` (any current folding), a graph whose
branch points are `dataflow.fork`s.

Postconditions: every unit has its lanes set (MVAU: PE/SIMD; threshold, pool, add, pad: PE;
sliding-window generator: SIMD; a fork passes its input's lanes on), every stream type carries
the matching lanes, and a `dataflow.dwc` sits wherever a producer's lanes differ from what its
consumer reads. `to_stream` produces what its first reader reads.

Strategy: a target of cycles per frame T is chosen (the `target-cycles` option, or by default
the cycles the largest layer needs with `lanes-budget` multipliers); each unit then gets the
cheapest folding (fewest lanes) of its fold space that meets T (`unit_folding`), so all units
are balanced around the slowest one. A window generator (and the padding before it) takes the
lanes of the unit it feeds, so a convolution's MVAU chooses SIMD among the divisors of its input
channels. A JSON file (`folding-file`) can pin `{"<node>": {"pe": P, "simd": S}}` per layer
(MVAUs, thresholds, pools and adds, by ONNX node name).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.ir import Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from qnnc.diagnostics import QnncError, node_name, op_error
from qnnc.dialects import dataflow
from qnnc.dialects.dataflow import divisors

# ----------------------------------------------------------------------------------------------
# Pure helpers
# ----------------------------------------------------------------------------------------------


def in_lanes(fold: dataflow.Fold) -> int:
    """The lanes a unit reads at a folding (an MVAU's or window generator's SIMD, else PE)."""
    return fold.get("simd", fold.get("pe", 1))


def out_lanes(fold: dataflow.Fold) -> int:
    return fold.get("pe", fold.get("simd", 1))


def cheapest_folding(u, target: int, prefer_in: int = 0,
                     options: list[dataflow.Fold] | None = None) -> dataflow.Fold:
    """The folding of `u` (one of `options`, by default its whole fold space) with the fewest
    lanes whose cycles meet the target; ties go first to the smaller PE (every PE lane has its
    own thresholds and comparators, a SIMD lane only a multiplier), then to input lanes equal
    to `prefer_in` (the producer's: no width converter). When nothing meets the target, the
    fastest folding (fewest lanes among equals)."""
    options = options if options is not None else u.fold_space()

    def cost(f):
        return math.prod(f.values()), f.get("pe", 0), in_lanes(f) != prefer_in

    meeting = [f for f in options if u.cycles_at(f) <= target]
    if meeting:
        return min(meeting, key=cost)
    return min(options, key=lambda f: (u.cycles_at(f), cost(f)))


def default_target(units: list[Operation], lanes_budget: int) -> int:
    """Cycles per frame of the largest matrix product given `lanes_budget` multipliers."""
    work = [u.vectors * u.mw * u.mh for u in units if isinstance(u, dataflow.MVAUOp)]
    if not work:
        work = [u.in_type.n for u in units]
    return max(1, math.ceil(max(work) / max(1, lanes_budget)))


PINNABLE = (dataflow.MVAUOp, dataflow.ThresholdOp, dataflow.PoolOp, dataflow.AddOp,
            dataflow.UpsampleOp, dataflow.DepthToSpaceOp, dataflow.ConcatOp)
"""Units a folding file names (by ONNX node); window generators and padding follow their
consumer."""


def unit_fold_text(u: Operation) -> str:
    """The fold space of a unit, briefly: `PE | 3, SIMD | 4` (divisors) or the PE values."""
    if isinstance(u, dataflow.MVAUOp):
        return f"PE dividing {u.mh}, SIMD dividing {u.mw}"
    return "PE " + ", ".join(str(f["pe"]) for f in u.fold_space())


def sole_reader(v: SSAValue) -> Operation | None:
    uses = list(v.uses)
    return uses[0].operation if len(uses) == 1 else None


def window_channels(u: Operation) -> int | None:
    """The channels of the sliding-window generator feeding u directly, if any: the SIMD a
    convolution's MVAU may take so the generator streams its windows at that width."""
    src = u.operands[0]
    if isinstance(src, OpResult) and isinstance(src.op, dataflow.SwgOp):
        return src.op.channels
    return None


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
    """Set the lanes of every unit to balance the pipeline; insert width converters."""

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
        for o in list(block.ops):
            if isinstance(o, dataflow.DwcOp):  # refolding: old converters go
                o.results[0].replace_all_uses_with(o.input)
                Rewriter.erase_op(o)
        units = [o for o in block.ops if isinstance(o, dataflow.UNIT_OPS)
                 and not isinstance(o, (dataflow.FifoOp, dataflow.DwcOp))]
        primary = [u for u in units if isinstance(u, PINNABLE)]
        if not primary:
            return
        target = self.target_cycles or default_target(primary, self.lanes_budget)
        pinned = load_folding_file(self.folding_file) if self.folding_file else {}
        known = {node_name(u) for u in primary}
        for name in pinned:
            if name not in known:
                raise QnncError(f"folding file names layer '{name}', which is not in the "
                                f"accelerator (layers: {', '.join(sorted(known))})")
        lanes: dict[Operation, tuple[int, int]] = {}  # unit -> (input lanes, output lanes)
        for u in primary:
            lanes[u] = self._fold(u, target, pinned.get(node_name(u)))
        for u in reversed(units):  # window generators and padding follow their reader
            if isinstance(u, (dataflow.SwgOp, dataflow.PadOp)):
                reader = sole_reader(u.output)
                want = lanes[reader][0] if reader in lanes else 1
                c = u.channels
                p = want if c % want == 0 else max(d for d in divisors(c) if d <= want)
                lanes[u] = (p, p)
        for u in units:
            if isinstance(u, dataflow.ForkOp):
                continue
            lane_in, lane_out = lanes[u]
            for key in ("pe", "simd"):
                if key in u.properties:
                    u.properties[key] = IntegerAttr(lane_out if key == "pe" else lane_in, 64)
            if isinstance(u, dataflow.MVAUOp):
                u.properties["simd"] = IntegerAttr(lane_in, 64)
            out = u.results[0]
            Rewriter.replace_value_with_new_type(
                out, dataflow.StreamType(out.type.element_type, out.type.n, lane_out))
        for u in units:  # in stream order: every producer's lanes are known
            if isinstance(u, dataflow.ForkOp):
                src = u.input
                for r in u.results:
                    Rewriter.replace_value_with_new_type(r, src.type)
                continue
            for i, src in enumerate(u.operands):
                self._feed(u, i, src, lanes[u][0])

    @staticmethod
    def _fold(u: Operation, target: int, pin: dict | None) -> tuple[int, int]:
        """(input lanes, output lanes) of a unit meeting the target (or its pin)."""
        space = u.fold_space()
        wc = window_channels(u) if isinstance(u, dataflow.MVAUOp) else None
        if wc:  # the window generator streams whole pixels' channels at the MVAU's SIMD
            space = [f for f in space if wc % f["simd"] == 0]
        if pin:
            fold = {k: pin.get(k, 1) for k in u.fold()}
            if fold not in u.fold_space():
                raise op_error(u, "folding " + ", ".join(f"{k.upper()}={v}" for k, v in fold.items())
                               + " is not one of this unit's foldings ("
                               + unit_fold_text(u) + ")")
            if fold not in space:
                raise op_error(u, f"folding SIMD={fold['simd']} does not divide the "
                               f"convolution's {wc} input channels")
        else:
            fold = cheapest_folding(u, target, u.operands[0].type.p, space)
        return in_lanes(fold), out_lanes(fold)

    @staticmethod
    def _feed(u: Operation, index: int, src: SSAValue, lanes: int) -> None:
        """Make operand `index` of u carry `lanes` lanes: retype the accelerator input, or put
        a width converter in between."""
        want = dataflow.StreamType(src.type.element_type, src.type.n, lanes)
        if src.type == want:
            return
        if isinstance(src, OpResult) and isinstance(src.op, dataflow.ToStreamOp) \
                and len(list(src.uses)) == 1:
            Rewriter.replace_value_with_new_type(src, want)
            return
        dwc = dataflow.DwcOp.build(operands=[src], result_types=[want])
        dwc.location = u.location
        Rewriter.insert_op(dwc, InsertPoint.before(u))
        u.operands[index] = dwc.output

"""dataflow-fold: choose the lanes of every unit and insert width converters (dataflow → dataflow).

Preconditions: `@core` is `to_stream → units → from_stream` (any current folding), a graph whose
branch points are `dataflow.fork`s.

Postconditions: every unit has its lanes set (MVAU: PE/SIMD; threshold, pool, add, pad: PE;
sliding-window generator: SIMD in, SIMD or a whole window out; a fork passes its input's lanes
on), every stream type carries the matching lanes, and a `dataflow.dwc` sits wherever a producer's lanes differ from what its
consumer reads. `to_stream` produces what its first reader reads.

Strategy (policy: `target_cycles`, `cheapest_folding`; mechanism: the units' `fold_space`,
`cycles_at` and `resources_at`, dialects/dataflow.py): a target of cycles per frame T is chosen:
`target-cycles`, or `target-fps` F at `clock-mhz` C (T = floor(C·10⁶ / F)), or by default the
cycles the largest layer needs with `lanes-budget` multipliers. Each unit then gets the folding
of its fold space meeting T at the least estimated area (`cheapest_folding`; cost = LUT +
`BRAM18_WEIGHT`·BRAM18 + `DSP_WEIGHT`·DSP, dialects/resources.py), so all units are balanced
around the slowest one. When T is below the design's floor (the cycles of the unit that is
slowest at its fastest folding, `unit_floor`), every unit is folded for the floor instead: the
design then misses the target by as little as it can at the least area (`--target-cycles 1`
asks for full parallelism), and the pass records so (below). A window generator (and the padding before
it) follows the unit it feeds, and the unit's cost and cycles include theirs: a convolution's
MVAU with SIMD dividing its input channels C reads one kernel position's SIMD channels a beat
from a generator by position (at least OH·OW·kH·kW cycles a frame); with any other SIMD (a
divisor of kH·kW·C) the generator writes a whole window a beat (`parallel window`, H·W·C/q
cycles at q input lanes, the fewest meeting the target) and a width converter gives the MVAU
SIMD lanes of it a beat.

A JSON file (`folding-file`) can pin foldings: qnnc's own `{"<node>": {"pe": P, "simd": S}}`
per layer (MVAUs, thresholds, pools and adds, by ONNX node name), or FINN's
`folding_config.json` (`finn_pins`: FINN node names map by kind and order to qnnc's units).

The outcome is recorded on `@core` as `qnnc.folding = {target_cycles, achieved_cycles,
target_met, ...}` (with `limiting_unit` when missed, `target_fps`/`clock_mhz` when asked for,
`warnings` from a FINN file); the report and the CLI read it from there.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    f64,
)
from xdsl.ir import Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from qnnc.diagnostics import QnncError, node_name, op_error
from qnnc.dialects import dataflow, quant, resources
from qnnc.dialects.dataflow import divisors

# ----------------------------------------------------------------------------------------------
# Pure helpers
# ----------------------------------------------------------------------------------------------


def in_lanes(fold: dataflow.Fold) -> int:
    """The lanes a unit reads at a folding (an MVAU's or window generator's SIMD, else PE)."""
    return fold.get("simd", fold.get("pe", 1))


def out_lanes(fold: dataflow.Fold) -> int:
    return fold.get("pe", fold.get("simd", 1))


@dataclass(frozen=True)
class Followers:
    """What the window generator and padding feeding a unit add at each of its foldings:
    `extra(fold)` their resources (and a width converter between them and the unit), `reads(fold)`
    the lanes the chain reads from the producer, `cycles(fold)` their cycles per frame."""

    extra: Callable[[dataflow.Fold], resources.Resources]
    reads: Callable[[dataflow.Fold], int]
    cycles: Callable[[dataflow.Fold], float]


def activation_priced(u: Operation):
    """`resources_of` of `cheapest_folding` for a thresholded MVAU: at each folding the cheaper
    of its two exact activations, thresholds or the multiply-shift `dataflow-choose-activation`
    may give it (`requant_of`; that pass makes the final choice at the folding chosen here, by
    the same comparison). None for other units (their own `resources_at`)."""
    if not isinstance(u, dataflow.MVAUOp) or u.thresholds is None or not u.n_thresholds() \
            or u.requant() is not None:
        return None
    from qnnc.lowering.dataflow_choose_activation import requant_of

    if isinstance(u.out_type.element_type, quant.BipolarType) or (r := requant_of(u)) is None:
        return None

    def resources_of(fold: dataflow.Fold, rom_bound: bool = False) -> resources.Resources:
        t = u.threshold_resources_at(fold, rom_bound).resources
        q = u.requant_resources_at(fold, r, rom_bound).resources
        return q if resources.area(q) < resources.area(t) else t
    return resources_of


def unit_priced(u: Operation):
    """`resources_of(fold, rom_bound)` of a unit's own estimate: `rom_bound` asks an MVAU for
    its lower bound (`MVAUOp.resources_at`); other units have no such term."""
    if isinstance(u, dataflow.MVAUOp):
        return lambda f, rom_bound=False: u.resources_at(f, rom_bound).resources
    return lambda f, rom_bound=False: u.resources_at(f).resources


def least(options: list, key: Callable, bound: Callable | None = None):
    """`min(options, key=key)`, the first of the least, calling `key` only on the options
    whose `bound` (a lower bound of `key` in the same order: `bound(f) <= key(f)`) does not
    already exceed the best found. Options are tried in order of their bound, so the search
    stops at the first bound above the best key."""
    if bound is None:
        return min(options, key=key)
    bounds = sorted((bound(f), i) for i, f in enumerate(options))
    best = None
    for b, i in bounds:
        if best is not None and (b, i) > best:
            break
        k = (key(options[i]), i)
        if best is None or k < best:
            best = k
    return options[best[1]]


def cheapest_folding(u, target: int, prefer_in: int = 0,
                     options: list[dataflow.Fold] | None = None,
                     followers: Followers | None = None,
                     resources_of=None) -> dataflow.Fold:
    """The folding of `u` (one of `options`, by default its whole fold space) whose cycles (and
    its followers': the window generator and padding feeding it) meet the target at the least
    estimated area (`resources.area` of `resources_of(fold, rom_bound)`, by default the unit's
    own estimate, `unit_priced`; plus the followers' `extra`; and the width converter from
    `prefer_in` lanes, the producer's, when the chain reads others; an MVAU's foldings are
    tried in order of the bound `rom_bound` gives, see `least`); ties
    go to the fewest lanes, then to the smaller PE (every PE lane has its own thresholds and
    comparators, a SIMD lane only a multiplier), then to input lanes equal to `prefer_in` (the
    producer's: no width converter). When nothing meets the target, the fastest folding (the
    cheapest among equals)."""
    options = options if options is not None else u.fold_space()

    bits = u.operands[0].type.element_bits()
    reads = followers.reads if followers else in_lanes

    def cycles(f):
        return max(u.cycles_at(f), followers.cycles(f) if followers else 0)

    price = resources_of if resources_of is not None else unit_priced(u)

    def cost(f, rom_bound=False):
        r = price(f, rom_bound)
        if followers is not None:
            r = r + followers.extra(f)
        if prefer_in and reads(f) != prefer_in:  # the width converter it needs
            r = r + resources.dwc(bits, prefer_in, reads(f)).resources
        return resources.area(r), math.prod(f.values()), f.get("pe", 0), reads(f) != prefer_in

    # the weight ROM in LUTs, counted from the weights at each folding, is most of the
    # search's time (cnv_2w2a: 1.3 s of 3.2): it is computed only where it can decide
    bound = (lambda f: cost(f, True)) if isinstance(u, dataflow.MVAUOp) else None
    meeting = [f for f in options if cycles(f) <= target]
    if meeting:
        return least(meeting, cost, bound)
    return least(options, lambda f: (cycles(f), cost(f)),
                 bound and (lambda f: (cycles(f), bound(f))))


def target_cycles(target_cycles: int = 0, target_fps: float = 0.0, clock_mhz: float = 0.0) -> int:
    """Cycles per frame to fold for: `target_cycles`, or floor(clock·10⁶ / fps) (0: none given;
    at least 1)."""
    if target_cycles and target_fps:
        raise QnncError("give a target either in cycles per frame or in frames per second, "
                        "not both")
    if target_fps:
        if not target_fps > 0 or not clock_mhz > 0:
            raise QnncError(f"a target of {target_fps:g} frames/s needs a positive clock, got "
                            f"{clock_mhz:g} MHz")
        return max(1, math.floor(clock_mhz * 1e6 / target_fps))
    return target_cycles


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


def follower_lanes(u: Operation, want: int) -> int:
    """The lanes a window generator or padding takes to feed a reader of `want` input lanes:
    `want` when it divides the channels, else the largest divisor below it."""
    c = u.channels
    return want if c % want == 0 else max(d for d in divisors(c) if d <= want)


def window_fold(swg: dataflow.SwgOp, want: int, per_window: int, target: int,
                pad: Operation | None = None) -> dataflow.Fold | None:
    """The window generator's folding feeding a reader of `want` lanes that takes `per_window`
    cycles a window: by position at `follower_lanes` when `want` divides the channels (one
    kernel position's channels a beat suffice); else the parallel window (a whole window a beat;
    the reader takes a slice of it a beat through a width converter).

    The parallel window pushes a pixel every C/q cycles at q input lanes and cannot run ahead
    of a window its reader has not taken (its taps are the output), so its reader must take a
    window at least as fast: per_window ≤ C/q. Then the generator paces the pair and a frame
    takes H·W·C/q cycles, its cycle model; a slower reader would stall it on every window and
    leave it idle over the rows without windows, which no one-figure model describes. So q is
    the fewest input lanes with which the generator and the padding before it meet the
    target among those the reader keeps up with (the most of those when none meets it);
    None when the reader is slower than C cycles a window (no parallel window for it)."""
    c = swg.channels
    if c % want == 0:
        return {"simd": want}
    matched = [q for q in divisors(c) if c // q >= per_window]
    if not matched:
        return None
    for q in matched:
        fold = {"simd": q, "window": 1}
        if swg.cycles_at(fold) <= target and (pad is None or pad.cycles_at({"pe": q}) <= target):
            return fold
    return {"simd": matched[-1], "window": 1}


def cycles_per_vector(u: Operation, lanes_in: int, lanes_out: int) -> int:
    """Cycles a unit takes per input vector (an MVAU's SF·NF at these lanes, else 1)."""
    if isinstance(u, dataflow.MVAUOp):
        return (u.mw // lanes_in) * (u.mh // lanes_out)
    return 1


def followers(u: Operation) -> list[Operation]:
    """The window generator (and the padding before it) whose lanes follow u's input lanes."""
    out = []
    v = u.operands[0]
    while isinstance(v, OpResult) and isinstance(v.op, (dataflow.SwgOp, dataflow.PadOp)) \
            and sole_reader(v) is not None:
        out.append(v.op)
        v = v.op.operands[0]
    return out


def follower_folds(u: Operation, fold: dataflow.Fold,
                   target: int) -> list[tuple[Operation, dataflow.Fold]] | None:
    """The foldings u's followers (window generator, padding) take when u has `fold` (None:
    no window generator can feed u at that folding, `window_fold`)."""
    out, want = [], in_lanes(fold)
    fs = followers(u)
    for i, f in enumerate(fs):
        if isinstance(f, dataflow.SwgOp):
            pad = fs[i + 1] if i + 1 < len(fs) and isinstance(fs[i + 1], dataflow.PadOp) \
                else None
            ff = window_fold(f, want, cycles_per_vector(u, in_lanes(fold), out_lanes(fold)),
                             target, pad)
            if ff is None:
                return None
            want = ff["simd"]
        else:
            ff = {"pe": follower_lanes(f, want)}
            want = ff["pe"]
        out.append((f, ff))
    return out


def followers_of(u: Operation, target: int) -> Followers | None:
    """The `Followers` of `cheapest_folding` for u at the target (None: nothing feeds u)."""
    if not followers(u):
        return None
    bits = u.operands[0].type.element_bits()

    def extra(fold: dataflow.Fold) -> resources.Resources:
        r = resources.Resources()
        for f, ff in follower_folds(u, fold, target) or ():
            r = r + f.resources_at(ff).resources
            if isinstance(f, dataflow.SwgOp) and f.out_lanes_at(ff) != in_lanes(fold):
                r = r + resources.dwc(bits, f.out_lanes_at(ff), in_lanes(fold)).resources
        return r

    def reads(fold: dataflow.Fold) -> int:
        folds = follower_folds(u, fold, target)
        return in_lanes(folds[-1][1]) if folds else in_lanes(fold)

    def cycles(fold: dataflow.Fold) -> float:
        folds = follower_folds(u, fold, target)
        return max(f.cycles_at(ff) for f, ff in folds) if folds is not None else math.inf

    return Followers(extra, reads, cycles)


def unit_floor(u: Operation) -> float:
    """The fewest cycles per frame u and its followers (window generator, padding) reach at any
    of u's foldings."""
    space = u.fold_space()
    if not space:
        return u.cycles()
    fs = followers_of(u, 1)
    return min(max(u.cycles_at(f), fs.cycles(f) if fs else 0) for f in space)


def fastest_cycles(u: Operation) -> int:
    """The fewest cycles per frame any folding of u reaches."""
    space = u.fold_space()
    return min(u.cycles_at(f) for f in space) if space else u.cycles()


def load_folding_file(path: str) -> dict:
    """The JSON of a folding file: qnnc's `{"<node>": {"pe": P, "simd": S}}` (checked here) or
    FINN's folding_config.json (`is_finn_config`; checked against the units by `finn_pins`)."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise QnncError(f"cannot read folding file '{path}': {e}")
    if not isinstance(data, dict):
        raise QnncError(f"folding file '{path}' must map layer names to {{\"pe\", \"simd\"}}")
    finn = is_finn_config(data)
    for name, fold in data.items():  # the fold arithmetic below assumes positive integers
        if finn and name == "Defaults":
            continue
        if not isinstance(fold, dict):
            raise QnncError(f"folding file '{path}': layer '{name}' must map to "
                            f"{{\"pe\": P, \"simd\": S}}")
        for key, v in fold.items():
            if key.lower() in ("pe", "simd") and (type(v) is not int or v < 1):
                raise QnncError(f"folding file '{path}': layer '{name}': {key} must be a "
                                f"positive integer, got {json.dumps(v)}")
    return data


# FINN's folding_config.json ------------------------------------------------------------------

FINN_NODE = re.compile(r"^(?P<kind>[A-Za-z][A-Za-z0-9]*?)(?:_(?:hls|rtl))?(?:_Batch)?(?:_(?:hls|rtl))?"
                       r"_(?P<index>\d+)$")
"""A FINN-ONNX node name: op type, optional `_hls`/`_rtl` specialization and `_Batch`, index."""

FINN_KINDS: dict[str, type | None] = {
    "MatrixVectorActivation": dataflow.MVAUOp, "MVAU": dataflow.MVAUOp,
    "Thresholding": dataflow.ThresholdOp,
    "StreamingMaxPool": dataflow.PoolOp, "Pool": dataflow.PoolOp,
    "AddStreams": dataflow.AddOp, "StreamingConcat": dataflow.ConcatOp,
    "UpsampleNearestNeighbour": dataflow.UpsampleOp,
    # qnnc decides these itself: the window generator and padding follow the unit they feed,
    # FIFOs and width converters are sized and placed by qnnc's passes
    "ConvolutionInputGenerator": None, "FMPadding": None, "StreamingFIFO": None,
    "StreamingDataWidthConverter": None, "DuplicateStreams": None,
}
"""FINN op types (without `_hls`/`_rtl`/`_Batch`) → the qnnc unit they fold (None: ignored)."""

FINN_FOLD_KEYS = {"PE": "pe", "SIMD": "simd"}


def is_finn_config(data: dict) -> bool:
    """A FINN folding_config.json: a `Defaults` entry or FINN node names of known op types."""
    return "Defaults" in data or any(
        (m := FINN_NODE.match(k)) and m["kind"] in FINN_KINDS for k in data)


def finn_pins(data: dict, units: list[Operation]) -> tuple[dict[Operation, dict], list[str]]:
    """Foldings from a FINN folding_config.json, by unit, and warnings.

    Mapping rule: FINN names nodes `<OpType>[_hls|_rtl]_<i>` in FINN-ONNX graph order; qnnc
    maps the i-th entry of each kind (in index order) to the i-th qnnc unit of the matching
    kind in stream order (`FINN_KINDS`: MatrixVectorActivation/MVAU → MVAU, Thresholding →
    threshold, StreamingMaxPool/Pool → pool, AddStreams → add, StreamingConcat → concat,
    UpsampleNearestNeighbour → upsample). More FINN entries of a kind than qnnc units, a
    folding outside a unit's fold space (PE not dividing MH, ...) or an unknown node name are
    errors naming both; fewer entries leave the rest to the search (a warning). Only PE and
    SIMD are read: every other key (ram_style, mem_mode, resType, depth, ...), `Defaults`,
    window generators, padding, FIFOs and width converters are ignored with a warning (qnnc's
    own rules decide them)."""
    warnings: list[str] = []
    ignored_keys: set[str] = set()
    by_kind: dict[type, list[tuple[int, str, dict]]] = {}
    ignored_nodes = []
    for name, entry in data.items():
        if name == "Defaults":
            if entry:
                ignored_keys.update(f"Defaults.{k}" for k in entry)
            continue
        m = FINN_NODE.match(name)
        if not m:
            raise QnncError(f"folding file: '{name}' is not a FINN node name "
                            f"(<OpType>[_hls|_rtl]_<index>)")
        kind = FINN_KINDS.get(m["kind"])
        if kind is None:
            ignored_nodes.append(name)
            continue
        ignored_keys.update(k for k in entry if k not in FINN_FOLD_KEYS)
        by_kind.setdefault(kind, []).append((int(m["index"]), name, entry))
    pins: dict[Operation, dict] = {}
    for kind, entries in by_kind.items():
        entries.sort()
        ours = [u for u in units if isinstance(u, kind)]
        what = kind.name.removeprefix("dataflow.")
        if len(entries) > len(ours):
            raise QnncError(f"folding file has {len(entries)} FINN {what} nodes "
                            f"({', '.join(e[1] for e in entries)}) but the accelerator has "
                            f"{len(ours)} ({', '.join(node_name(u) for u in ours) or 'none'})")
        if len(entries) < len(ours):
            rest = [node_name(u) for u in ours[len(entries):]]
            warnings.append(f"folding file: {len(entries)} FINN {what} nodes for {len(ours)} "
                            f"qnnc units; folded by the search: {', '.join(rest)}")
        for (_, name, entry), u in zip(entries, ours):
            fold = {FINN_FOLD_KEYS[k]: v for k, v in entry.items() if k in FINN_FOLD_KEYS}
            fold = {k: fold.get(k, 1) for k in u.fold()}
            if fold not in u.fold_space():
                raise op_error(u, f"FINN node '{name}' maps to this unit, but its folding "
                               + ", ".join(f"{k.upper()}={v}" for k, v in fold.items())
                               + " is not one of its foldings (" + unit_fold_text(u) + ")")
            pins[u] = fold
    if ignored_keys:
        warnings.append("folding file: FINN keys ignored (qnnc's own rules decide them): "
                        + ", ".join(sorted(ignored_keys)))
    if ignored_nodes:
        warnings.append("folding file: FINN nodes ignored (window generators and padding "
                        "follow their consumer, FIFOs and width converters are qnnc's; "
                        "other op types have no qnnc unit): "
                        + ", ".join(ignored_nodes))
    return pins, warnings


def qnnc_pins(data: dict, units: list[Operation]) -> dict[Operation, dict]:
    """qnnc's own folding file: `{"<node>": {"pe": P, "simd": S}}` by ONNX node name."""
    known = {node_name(u) for u in units}
    for name in data:
        if name not in known:
            raise QnncError(f"folding file names layer '{name}', which is not in the "
                            f"accelerator (layers: {', '.join(sorted(known))})")
    return {u: data[node_name(u)] for u in units if node_name(u) in data}


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataflowFoldPass(ModulePass):
    """Set the lanes of every unit to meet a throughput target at the least estimated area;
    insert width converters; record the outcome on `@core` (`qnnc.folding`)."""

    name = "dataflow-fold"
    target_cycles: int = 0
    target_fps: float = 0.0
    clock_mhz: float = 100.0
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
        target = target_cycles(self.target_cycles, self.target_fps, self.clock_mhz) or \
            default_target(primary, self.lanes_budget)
        warnings: list[str] = []
        pinned: dict[Operation, dict] = {}
        if self.folding_file:
            data = load_folding_file(self.folding_file)
            if is_finn_config(data):
                pinned, warnings = finn_pins(data, primary)
            else:
                pinned = qnnc_pins(data, primary)
        # below the design's floor (its slowest unit at its fastest) every unit is folded for
        # the floor: going faster elsewhere would cost area and gain nothing
        requested = target
        target = max([target, *(int(unit_floor(u)) for u in primary if u not in pinned)])
        lanes: dict[Operation, tuple[int, int]] = {}  # unit -> (input lanes, output lanes)
        for u in primary:  # in stream order: a producer's lanes are known before its reader
            src = u.operands[0]
            while isinstance(src, OpResult) and isinstance(src.op, (dataflow.ForkOp,
                                                                      dataflow.PadOp,
                                                                      dataflow.SwgOp)):
                src = src.op.operands[0]
            if isinstance(src, OpResult) and isinstance(src.op, dataflow.ToStreamOp):
                prefer = 0  # the accelerator input takes whatever its reader reads
            else:
                prefer = lanes[src.op][1] if isinstance(src, OpResult) and src.op in lanes \
                    else src.type.p
            lanes[u] = self._fold(u, target, pinned.get(u), prefer)
        for u in primary:  # window generators and padding follow their reader
            if followers(u):
                self._follow(u, lanes, target)
        for u in units:  # a generator or padding no single unit reads: one lane
            if isinstance(u, (dataflow.SwgOp, dataflow.PadOp)) and u not in lanes:
                lanes[u] = (1, 1)
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
        core.attributes["qnnc.folding"] = self._outcome(units, requested, warnings, pinned)

    def _outcome(self, units: list[Operation], target: int, warnings: list[str],
                 pinned: dict[Operation, dict]) -> DictionaryAttr:
        """What the folding achieved: the design's cycles per frame against the target and,
        when missed, the unit whose fastest folding is slowest (and that folding's cycles)."""
        achieved = max(u.cycles() for u in units)
        out: dict = {"target_cycles": IntegerAttr(target, 64),
                     "achieved_cycles": IntegerAttr(achieved, 64),
                     "target_met": BoolAttr.from_bool(achieved <= target)}
        if self.target_fps:
            out["target_fps"] = FloatAttr(self.target_fps, f64)
            out["clock_mhz"] = FloatAttr(self.clock_mhz, f64)
        if achieved > target:
            best = {u: fastest_cycles(u) for u in units}
            limit = max(units, key=lambda u: best[u])
            if best[limit] <= target:  # reachable: a pinned folding is what misses it
                limit = max(units, key=lambda u: u.cycles())
                out["limiting_reason"] = StringAttr(
                    "pinned by the folding file" if limit in pinned else
                    "slowed by a folding the folding file pins: a parallel-window generator "
                    "goes no faster than the MVAU it feeds takes windows")
            name = node_name(limit)
            out["limiting_unit"] = StringAttr(name if name == limit.name else
                                              f"{name} ({limit.name})")
            out["best_cycles"] = IntegerAttr(max(best.values()), 64)
        if warnings:
            out["warnings"] = ArrayAttr([StringAttr(w) for w in warnings])
        return DictionaryAttr(out)

    @staticmethod
    def _fold(u: Operation, target: int, pin: dict | None, prefer_in: int) -> tuple[int, int]:
        """(input lanes, output lanes) of a unit meeting the target (or its pin)."""
        if pin:
            fold = {k: pin.get(k, 1) for k in u.fold()}
            if fold not in u.fold_space():
                raise op_error(u, "folding " + ", ".join(f"{k.upper()}={v}" for k, v in fold.items())
                               + " is not one of this unit's foldings ("
                               + unit_fold_text(u) + ")")
        else:
            fold = cheapest_folding(u, target, prefer_in, None, followers_of(u, target),
                                    activation_priced(u))
        return in_lanes(fold), out_lanes(fold)
    @staticmethod
    def _follow(u: Operation, lanes: dict[Operation, tuple[int, int]], target: int) -> None:
        """Set the lanes of u's window generator and padding from u's (`follower_folds`)."""
        lane_in, lane_out = lanes[u]
        folds = follower_folds(u, {"simd": lane_in, "pe": lane_out}, target)
        if folds is None:
            swg = followers(u)[0]
            raise op_error(u, f"folding SIMD={lane_in} reads a whole window of "
                           f"{swg.window_lanes()} lanes in "
                           f"{cycles_per_vector(u, lane_in, lane_out)} cycles, slower than a "
                           f"window generator's pixel of {swg.channels} channels at one a "
                           f"cycle: give SIMD dividing {swg.channels} or a faster folding")
        for f, ff in folds:
            lanes[f] = (in_lanes(ff), f.out_lanes_at(ff) if isinstance(f, dataflow.SwgOp)
                        else ff["pe"])

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

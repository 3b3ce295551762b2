"""dataflow-choose-activation: thresholds or a multiply-shift per MVAU, by cost (dataflow → dataflow).

Preconditions: `@core` is folded (`dataflow-fold`): the cost of an activation depends on PE
(every PE lane has its own comparators or multiplier).

Postconditions: every thresholded MVAU with an integer output either keeps its thresholds as
the hardware (K = 2^b − 1 comparators of the accumulator per lane) or also carries
`requant_mult`/`requant_offset`/`requant_shift`: the hardware then computes the count as
`clamp(floor((acc·M[c] + B[c]) / 2^S), 0, K)`, one multiplier per lane. The thresholds stay as
the reference (dataflow.MVAUOp says why). Each such MVAU records the choice and its reason as
`qnnc.activation = {kind, reason, luts_thresholds, luts_requant, area_thresholds,
area_requant, mult_bits, offset_bits, shift}` (the figures only where a requantizer exists);
`report.json` reads it.

Strategy, per MVAU (pure helpers below; the search is `qnnc.requant.derive_requant`):
1. the accumulator range of every output channel from the weights and the input code range
   (`MVAUOp.acc_bounds`, the sums the verifier checks `acc_type` against);
2. the requantizer with the smallest shift up to ACC_W + 24 exactly equal to counting the
   thresholds on that whole range (descending rows get M < 0), proven by
   `qnnc.requant.check_requant`; none: thresholds, reason given;
3. both estimates at the unit's folding (`resources.mvau` / `resources.mvau_requant`), compared
   by the area folding minimizes (`resources.area`: LUT + 64·BRAM18 + 100·DSP); the multiply-
   shift only when strictly cheaper.
Option `kind`: `cheapest` (default), `thresholds` (never a multiply-shift) or `multiply-shift`
(wherever exact, whatever the cost: for tests and comparisons).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, ModuleOp, StringAttr
from xdsl.passes import ModulePass

from qnnc.diagnostics import QnncError
from qnnc.dialects import dataflow, quant, resources
from qnnc.requant import Requant, derive_requant, shift_cap

KINDS = ("cheapest", "thresholds", "multiply-shift")

# ----------------------------------------------------------------------------------------------
# Pure helpers
# ----------------------------------------------------------------------------------------------


def requant_of(u: dataflow.MVAUOp) -> Requant | None:
    """The exact requantizer of an MVAU's thresholds over its accumulator range, if any."""
    lo, hi = u.acc_bounds()
    return derive_requant(quant.dense_to_numpy(u.thresholds), quant.dense_to_numpy(u.descending),
                          lo, hi, acc_bits=u.compare_bits())


def choice(u: dataflow.MVAUOp, kind: str) -> tuple[Requant | None, dict]:
    """(the requantizer to use or None, the record of why) for one thresholded MVAU."""
    if isinstance(u.out_type.element_type, quant.BipolarType):
        return None, {"kind": "thresholds",
                      "reason": "bipolar output: one comparison per lane is the cheapest"}
    if kind == "thresholds":
        return None, {"kind": "thresholds", "reason": "multiply-shift disabled (kind=thresholds)"}
    r = requant_of(u)
    if r is None:
        return None, {"kind": "thresholds",
                      "reason": f"no multiply-shift with a shift up to "
                                f"{shift_cap(u.compare_bits())} equals the thresholds on the "
                                f"accumulator range"}
    fold = u.fold()
    t = u.threshold_resources_at(fold).resources
    q = u.requant_resources_at(fold, r).resources
    rec = {"luts_thresholds": t.lut, "luts_requant": q.lut, "dsp_thresholds": t.dsp,
           "dsp_requant": q.dsp, "area_thresholds": resources.area(t),
           "area_requant": resources.area(q), "mult_bits": r.mult_bits(),
           "offset_bits": r.offset_bits(), "shift": r.shift}
    if kind == "multiply-shift":
        return r, {"kind": "multiply-shift", "reason": "forced (kind=multiply-shift)", **rec}
    if resources.area(q) < resources.area(t):
        return r, {"kind": "multiply-shift",
                   "reason": f"cheaper: area {resources.area(q)} < {resources.area(t)} "
                             f"(LUT + 64*BRAM18 + 100*DSP) at PE={fold['pe']}", **rec}
    return None, {"kind": "thresholds",
                  "reason": f"cheaper: area {resources.area(t)} <= {resources.area(q)} "
                            f"(LUT + 64*BRAM18 + 100*DSP) at PE={fold['pe']}", **rec}


def record(rec: dict) -> DictionaryAttr:
    return DictionaryAttr({k: StringAttr(v) if isinstance(v, str) else IntegerAttr(v, 64)
                           for k, v in rec.items()})


def set_requant(u: dataflow.MVAUOp, r: Requant | None) -> None:
    """Put the requantizer on the MVAU (or take it off)."""
    for key in ("requant_mult", "requant_offset", "requant_shift"):
        u.properties.pop(key, None)
    if r is None:
        return
    for key, v in (("requant_mult", r.mult), ("requant_offset", r.offset)):
        u.properties[key] = quant.dense_from_numpy(
            v, quant.int_type(int(v.min(initial=0)), int(v.max(initial=0))))
    u.properties["requant_shift"] = IntegerAttr(r.shift, 64)


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataflowChooseActivationPass(ModulePass):
    """Give each thresholded MVAU of `@core` the cheaper exact activation hardware:
    comparators or a multiply-shift."""

    name = "dataflow-choose-activation"

    kind: str = "cheapest"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.kind not in KINDS:
            raise QnncError(f"dataflow-choose-activation: kind must be one of "
                            f"{', '.join(KINDS)}, got '{self.kind}'")
        for f in op.ops:
            if not (isinstance(f, func.FuncOp) and f.sym_name.data == "core"):
                continue
            for u in f.walk():
                if isinstance(u, dataflow.MVAUOp) and u.thresholds is not None \
                        and u.n_thresholds() > 0:
                    r, rec = choice(u, self.kind)
                    set_requant(u, r)
                    u.attributes["qnnc.activation"] = record(rec)

"""example-refold-layer: give one named MVAU another folding (dataflow → dataflow).

Preconditions: `@core` is folded (`dataflow-fold` ran); `layer` names a `dataflow.mvau` by its
ONNX node name (its `loc("name")`), and `pe`/`simd` are one of that unit's foldings (PE divides
its MH outputs, SIMD its MW inputs). A layer fed by a sliding-window generator (a convolution)
is refused: the generator streams whole pixels at the MVAU's SIMD.

Postconditions: the MVAU has PE=`pe`, SIMD=`simd`; its output stream carries `pe` lanes; every
stream into and out of it still has the lanes its producer writes and its readers read, because
a `dataflow.dwc` sits wherever they differ (an existing converter next to the layer is merged
with the new one, and a converter that changes nothing is dropped). No other unit changes, so
the design computes exactly what it did: folding changes when values arrive, never which. The
`qnnc.folding` record on `@core` is updated (achieved cycles per frame, target met or not).

Use it after `dataflow-fold` and before `dataflow-insert-fifos` (which sizes the FIFOs from the
foldings): `qnnc model.onnx -o out --load-plugin qnnc_refold
--extra-pass 'dataflow-fold:example-refold-layer{layer=MatMul_0 pe=4 simd=8}'`
(or with the package installed, without `--load-plugin`).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import BoolAttr, DictionaryAttr, IntegerAttr, ModuleOp
from xdsl.ir import Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from qnnc.diagnostics import QnncError, node_name, op_error
from qnnc.dialects import dataflow

# ----------------------------------------------------------------------------------------------
# Pure helpers
# ----------------------------------------------------------------------------------------------


def with_lanes(t: dataflow.StreamType, lanes: int) -> dataflow.StreamType:
    return dataflow.StreamType(t.element_type, t.n, lanes)


def convert(value: SSAValue, lanes: int, before: Operation) -> SSAValue:
    """`value` with `lanes` lanes: itself, the input of a converter it comes out of when that
    already has them, or a (merged or new) `dataflow.dwc` placed before `before`."""
    if value.type.p == lanes:
        return value
    src = value
    if isinstance(value, OpResult) and isinstance(value.op, dataflow.DwcOp) \
            and len(list(value.uses)) <= 1:
        src = value.op.input  # merge: one converter from the original producer
        if src.type.p == lanes:
            return src
    dwc = dataflow.DwcOp.build(operands=[src], result_types=[with_lanes(src.type, lanes)])
    dwc.location = before.location
    Rewriter.insert_op(dwc, InsertPoint.before(before))
    return dwc.output


def erase_dead_converters(block) -> None:
    for o in list(block.ops):
        if isinstance(o, dataflow.DwcOp) and not list(o.output.uses):
            Rewriter.erase_op(o)


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleRefoldLayerPass(ModulePass):
    """Re-fold the MVAU named `layer` to PE=`pe`, SIMD=`simd`, converting widths around it."""

    name = "example-refold-layer"
    layer: str = ""
    pe: int = 1
    simd: int = 1

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        core = next((f for f in op.ops if isinstance(f, func.FuncOp)
                     and f.sym_name.data == "core"), None)
        if core is None:
            raise QnncError(f"{self.name}: no @core function (run it on dataflow IR)")
        mvaus = [u for u in core.body.block.ops if isinstance(u, dataflow.MVAUOp)]
        unit = next((u for u in mvaus if node_name(u) == self.layer), None)
        if unit is None:
            raise QnncError(f"{self.name}: no MVAU named '{self.layer}'; the layers are "
                            + ", ".join(node_name(u) for u in mvaus))
        fold = {"pe": self.pe, "simd": self.simd}
        if fold not in unit.fold_space():
            raise op_error(unit, f"{self.name}: PE={self.pe}, SIMD={self.simd} is not a folding "
                           f"of this layer (PE must divide {unit.mh}, SIMD {unit.mw})")
        src = unit.input
        if isinstance(src, OpResult) and isinstance(src.op, (dataflow.SwgOp, dataflow.PadOp)):
            raise op_error(unit, f"{self.name}: a convolution's MVAU (fed by a window "
                           f"generator) is not supported")

        # the input: whatever the producer writes, converted to SIMD lanes
        unit.operands[0] = convert(src, self.simd, unit)
        # the output: PE lanes, converted back to what every reader read before
        old = unit.output.type
        readers = [(use.operation, use.index) for use in unit.output.uses]
        unit.properties["pe"] = IntegerAttr(self.pe, 64)
        unit.properties["simd"] = IntegerAttr(self.simd, 64)
        Rewriter.replace_value_with_new_type(unit.output, with_lanes(old, self.pe))
        for reader, index in readers:
            if isinstance(reader, dataflow.DwcOp):  # an existing converter: retarget it
                want = reader.output.type.p
                reader.operands[index] = unit.output
                if want == self.pe:
                    reader.output.replace_all_uses_with(unit.output)
                continue
            reader.operands[index] = convert(unit.output, old.p, reader)
        erase_dead_converters(core.body.block)
        self._record(core)

    @staticmethod
    def _record(core: func.FuncOp) -> None:
        """Update dataflow-fold's record: the achieved cycles per frame and whether the target
        is still met."""
        rec = core.attributes.get("qnnc.folding")
        if not isinstance(rec, DictionaryAttr):
            return
        units = [u for u in core.body.block.ops if isinstance(u, dataflow.UNIT_OPS)]
        achieved = max(u.cycles() for u in units)
        data = dict(rec.data)
        data["achieved_cycles"] = IntegerAttr(achieved, 64)
        target = data["target_cycles"].value.data
        data["target_met"] = BoolAttr.from_bool(achieved <= target)
        core.attributes["qnnc.folding"] = DictionaryAttr(data)

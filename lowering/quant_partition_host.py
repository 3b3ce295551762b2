"""quant-partition-host: split `@main` into host pre-processing, the integer core, and host
post-processing (quant → quant).

Preconditions: `quant-streamline` (and `quant-absorb-transposes`) have run, so integer values
are produced by `quant.quantize`, `quant.int_matmul`, `quant.int_conv`, `quant.int_maxpool`,
`quant.int_add`, `quant.threshold` and integer `quant.reshape`/`quant.transpose`, and leave
through `quant.dequantize`.

Postconditions: four functions.
* `@pre(inputs) -> codes`: every float op the core's input depends on, ending in the input
  quantizer's `quant.quantize` and any layout ops after it (runs on the host; exported as
  `host/pre.onnx`);
* `@core(codes) -> codes`: only integer ops (becomes the accelerator);
* `@post(codes) -> outputs`: the rest, starting from `quant.dequantize` or from the layout ops
  of codes before it when they include a transpose (NHWC → NCHW of a conv net's output) (host;
  `host/post.onnx`);
* `@main`: calls the three in order, so the module still computes the original function.

Strategy: the core is the set of integer ops; `@pre` is the backward slice of the core's input,
`@post` everything else. Anything that breaks that shape (a float op between integer layers, a
second accelerator input or output) is reported by ONNX node name, and so is the first
convolution or pooling op `quant-streamline` could not make integer and the first host node of
a kind no later level maps (`UNMAPPED_OPS`, `UNMAPPED_HOST_NODES`: imported and executable, not
mapped to hardware).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Block, BlockArgument, Operation, OpResult, Region, SSAValue
from xdsl.passes import ModulePass

from qnnc.diagnostics import QnncError, onnx_op_type, op_error
from qnnc.dialects import quant

LAYOUT_OPS = (quant.ReshapeOp, quant.TransposeOp)
CORE_OPS = (quant.IntMatMulOp, quant.ThresholdOp, quant.IntConvOp, quant.IntMaxPoolOp,
            quant.IntAddOp, quant.IntUpsampleOp, quant.IntDepthToSpaceOp, quant.IntSumPoolOp,
            quant.IntConcatOp)

# Ops the quant level imports and runs that are left in float after streamlining: the first one
# in @main is reported (by ONNX node name) before anything else is tried.
UNMAPPED_OPS = {
    quant.ConvOp: "convolution not mapped to hardware: only a convolution of a per-tensor "
                  "quantized input (integer zero point) with quantized constant weights becomes "
                  "integer",
    quant.MaxPoolOp: "max pooling not mapped to hardware: only pooling of quantized codes "
                     "(per-tensor or per-channel positive scale) becomes integer",
}

# Standard ONNX nodes carried to the host unchanged (`host.onnx_node`) that a conv net may hold
# between its layers; one left on the host between integer layers (none of the others is mapped
# to hardware; an average pool, upsampling or concatenation of values quantized in a way
# quant-streamline cannot make integer) is reported by name (a float op there would split the
# accelerator).
UNMAPPED_HOST_NODES = ("AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool",
                       "GlobalLpPool", "Resize", "Upsample", "DepthToSpace", "SpaceToDepth",
                       "Concat", "Pad", "Split")


# ----------------------------------------------------------------------------------------------
# Pure helpers
# ----------------------------------------------------------------------------------------------


def _is_int_tensor(v: SSAValue) -> bool:
    return isinstance(v.type, TensorType) and quant.is_code_type(v.type.element_type)


def core_ops(body: Block) -> list[Operation]:
    """Integer ops of the accelerator: int_matmul, int_conv, int_maxpool, int_add, threshold,
    integer layout ops after them and the integer constants they use. Layout ops that only lead
    to the output (no integer op reads them) are left to the host when one of them is a
    transpose (the NHWC → NCHW of a conv net's output)."""
    core: list[Operation] = []
    members: set[int] = set()
    for op in body.ops:
        if isinstance(op, CORE_OPS) or (
            isinstance(op, LAYOUT_OPS) and _is_int_tensor(op.result)
            and isinstance(op.x, OpResult) and id(op.x.op) in members
        ):
            core.append(op)
            members.add(id(op))
    trailing: list[Operation] = []
    for op in reversed(core):
        if isinstance(op, LAYOUT_OPS) and all(
                id(u.operation) not in members or u.operation in trailing
                for u in op.result.uses):
            trailing.append(op)
    if any(isinstance(op, quant.TransposeOp) for op in trailing):
        members -= {id(op) for op in trailing}
    consts = {id(v.op): v.op for op in core for v in op.operands
              if isinstance(v, OpResult) and isinstance(v.op, quant.ConstOp)}
    return [op for op in body.ops if id(op) in members or id(op) in consts]


def from_input_quantizer(v: SSAValue) -> bool:
    """True when v is the codes of an input quantizer, possibly reordered by layout ops (a
    Flatten or Transpose after the quantizer): those then run on the host, in `@pre`, and the
    input stream carries the codes in the order the first layer reads them."""
    while isinstance(v, OpResult) and isinstance(v.op, LAYOUT_OPS):
        v = v.op.x
    return isinstance(v, OpResult) and isinstance(v.op, quant.QuantizeOp)


def backward_slice(values: list[SSAValue]) -> set[int]:
    """ids of every op the values depend on."""
    seen: set[int] = set()
    stack = list(values)
    while stack:
        v = stack.pop()
        if isinstance(v, OpResult) and id(v.op) not in seen:
            seen.add(id(v.op))
            stack.extend(v.op.operands)
    return seen


def _check_host_nodes(ops_all: list[Operation], core: list[Operation]) -> None:
    """Name the first `UNMAPPED_HOST_NODES` node that depends on the integer core and feeds it
    or a convolution or pooling left in float (it sits between integer layers)."""
    core_ids = {id(o) for o in core}
    for op in ops_all:
        if op.name != "host.onnx_node" or id(op) in core_ids:
            continue
        op_type = onnx_op_type(op)
        if op_type not in UNMAPPED_HOST_NODES:
            continue
        upstream = backward_slice(list(op.operands)) & core_ids
        downstream = any(id(c) in core_ids or isinstance(c, tuple(UNMAPPED_OPS))
                         for c in _forward_slice(op))
        if upstream and downstream:
            raise op_error(op, f"{op_type} is not mapped to hardware (it sits between integer "
                           "layers)")


def _forward_slice(op: Operation) -> list[Operation]:
    out, stack, seen = [], [op], set()
    while stack:
        cur = stack.pop()
        for r in cur.results:
            for u in r.uses:
                if id(u.operation) not in seen:
                    seen.add(id(u.operation))
                    out.append(u.operation)
                    stack.append(u.operation)
    return out


def _move(ops: list[Operation], mapping: dict[SSAValue, SSAValue], block: Block) -> None:
    """Detach ops (in order) into block, rewiring operands through mapping."""
    for op in ops:
        op.detach()
        for i, v in enumerate(op.operands):
            if v in mapping:
                op.operands[i] = mapping[v]
        block.add_op(op)


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuantPartitionHostPass(ModulePass):
    """Split @main into @pre (host), @core (accelerator) and @post (host)."""

    name = "quant-partition-host"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        main = next((f for f in op.ops if isinstance(f, func.FuncOp) and f.sym_name.data == "main"), None)
        if main is None:
            raise QnncError("module has no func.func @main")
        if any(isinstance(f, func.FuncOp) and f.sym_name.data == "core" for f in op.ops):
            return  # already partitioned
        body = main.body.block
        ops_all = list(body.ops)
        ret = ops_all[-1]
        core = core_ops(body)
        _check_host_nodes(ops_all, core)
        unmapped = next((o for o in ops_all if isinstance(o, tuple(UNMAPPED_OPS))), None)
        if unmapped is not None:
            raise op_error(unmapped, UNMAPPED_OPS[type(unmapped)])
        if not any(isinstance(o, CORE_OPS) for o in core):
            bad = next((o for o in ops_all if isinstance(o, (quant.QuantOp, quant.MatMulOp,
                        quant.GemmOp, quant.BipolarQuantOp))), None)
            if bad is not None:
                raise op_error(bad, "no quantized layer could be mapped to hardware here "
                               "(is the layer's input quantized and its weight constant?)")
            raise QnncError("the model has no quantized layer to map to hardware")
        core_ids = {id(o) for o in core}
        # boundary values: into the core from outside, out of the core to the outside
        ins = []
        for o in core:
            for v in o.operands:
                if not (isinstance(v, OpResult) and id(v.op) in core_ids) and v not in ins:
                    ins.append(v)
        outs = []
        for o in core:
            for r in o.results:
                if any(id(u.operation) not in core_ids for u in r.uses) and r not in outs:
                    outs.append(r)
        if len(ins) != 1:
            culprit = next(o for o in core if any(v in ins[1:] for v in o.operands)) if len(ins) > 1 else core[0]
            raise op_error(culprit, f"the accelerator would need {len(ins)} input streams; only "
                           "one is supported (a float op between integer layers?)")
        if len(outs) != 1:
            raise op_error(outs[1].op if len(outs) > 1 else core[-1],
                           f"the accelerator would have {len(outs)} outputs; only one is supported")
        (cin,), (cout,) = ins, outs
        if not from_input_quantizer(cin):
            # name the layer reading the input: core[0] is normally its weight constant, which
            # named the initializer instead of the layer
            reader = next(o for o in core if cin in o.operands)
            raise op_error(reader, "the accelerator input is not produced by an input quantizer")
        pre_ids = backward_slice([cin])
        if pre_ids & core_ids:
            raise op_error(cin.op, "float ops between integer layers cannot be mapped to hardware")
        pre = [o for o in ops_all if id(o) in pre_ids]
        post = [o for o in ops_all if id(o) not in pre_ids and id(o) not in core_ids and o is not ret]
        for o in post:
            for v in o.operands:
                if isinstance(v, OpResult) and id(v.op) in pre_ids:
                    # a constant shared with pre is cloned; anything else is a second host path
                    if not isinstance(v.op, quant.ConstOp):
                        raise op_error(o, "post-processing uses a pre-processing value; such a "
                                       "bypass around the accelerator is not supported")
                if isinstance(v, BlockArgument):
                    raise op_error(o, "post-processing uses the model input directly; such a "
                                   "bypass around the accelerator is not supported")
        self._build(op, main, pre, core, post, cin, cout, ret)

    @staticmethod
    def _build(module: ModuleOp, main: func.FuncOp, pre, core, post, cin, cout, ret) -> None:
        body = main.body.block
        in_types = [a.type for a in body.args]
        out_types = list(main.function_type.outputs.data)
        # @pre
        pre_block = Block(arg_types=in_types)
        mapping: dict[SSAValue, SSAValue] = dict(zip(body.args, pre_block.args))
        for a, b in zip(body.args, pre_block.args):
            b.name_hint = a.name_hint
        shared = {id(v.op): v.op for o in post for v in o.operands
                  if isinstance(v, OpResult) and isinstance(v.op, quant.ConstOp) and v.op in pre}
        _move(pre, mapping, pre_block)
        pre_block.add_op(func.ReturnOp(mapping.get(cin, cin)))
        # @core
        core_block = Block(arg_types=[cin.type])
        _move(core, {cin: core_block.args[0]}, core_block)
        core_block.add_op(func.ReturnOp(cout))
        # @post (constants shared with pre are cloned)
        post_block = Block(arg_types=[cout.type])
        pmap: dict[SSAValue, SSAValue] = {cout: post_block.args[0]}
        for c in shared.values():
            clone = c.clone()
            post_block.add_op(clone)
            pmap[c.result] = clone.result
        _move(post, pmap, post_block)
        post_block.add_op(func.ReturnOp(*[pmap.get(v, v) for v in ret.operands]))
        # @main calls them
        ret.detach()
        ret.erase()
        c1 = func.CallOp("pre", list(body.args), [cin.type])
        c2 = func.CallOp("core", [c1.res[0]], [cout.type])
        c3 = func.CallOp("post", [c2.res[0]], out_types)
        for o in (c1, c2, c3, func.ReturnOp(*c3.res)):
            body.add_op(o)
        for name, block, ins, outs in (("pre", pre_block, in_types, [cin.type]),
                                       ("core", core_block, [cin.type], [cout.type]),
                                       ("post", post_block, [cout.type], out_types)):
            module.body.block.add_op(func.FuncOp(name, (ins, outs), Region(block)))

"""Property: `quant-absorb-transposes` keeps the meaning of integer modules bit for bit and
leaves no transpose between a channels-last map and the dense layer reading it.

Random modules over one NHWC code tensor y (1, H, W, C): a residual sum of two transposed
copies (`int_add(transpose(y, p), transpose(y·, p))`, sometimes), then one to three transposes
(random permutations keeping the batch axis first), a Flatten to (1, K) and an `int_matmul`
with random integer weights. The pass must verify, compute the same int64 result on random
codes, and leave no `quant.transpose` (every one of them is absorbable here: pairs cancel or
compose, the sum moves after them, the last one folds into the weight rows).
(The generated conv nets of tests/property/test_conv_semantics.py run it inside the whole
streamlined stage.)"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType
from xdsl.ir import Block, Region

from profiles import examples
from qnnc.dialects import quant
from qnnc.ir import make_context, parse_module, print_module, run_function
from qnnc.lowering.quant_absorb_transposes import QuantAbsorbTransposesPass


def _t(shape, elem) -> TensorType:
    return TensorType(elem, list(shape))


@st.composite
def modules(draw):
    h, w, c = (draw(st.integers(1, 4)) for _ in range(3))
    m = draw(st.integers(1, 3))
    elem = quant.int_type(0, 15)
    block = Block(arg_types=[_t((1, h, w, c), elem)])
    ops = []
    v = block.args[0]

    def perm():
        return (0,) + tuple(draw(st.permutations([1, 2, 3])))

    def transpose(x, p):
        shape = quant.tensor_shape(x)
        op = quant.TransposeOp(x, p, _t(tuple(shape[i] for i in p), quant.elem_type(x)))
        ops.append(op)
        return op.result

    if draw(st.booleans()):
        p = perm()
        ka, kb = draw(st.integers(-3, 3)), draw(st.integers(-3, 3))
        a, b = transpose(v, p), transpose(v, p)
        lo = min(ka * 0, ka * 15) + min(kb * 0, kb * 15)
        hi = max(ka * 0, ka * 15) + max(kb * 0, kb * 15)
        add = quant.IntAddOp.build(
            operands=[a, b], result_types=[_t(quant.tensor_shape(a), quant.int_type(lo, hi))],
            properties={"ka": IntegerAttr(ka, 64), "kb": IntegerAttr(kb, 64)})
        ops.append(add)
        v = add.result
    for _ in range(draw(st.integers(1, 3))):
        v = transpose(v, perm())
    k = h * w * c
    flat = quant.ReshapeOp(v, _t((1, k), quant.elem_type(v)))
    ops.append(flat)
    seed = draw(st.integers(0, 2**32 - 1))
    wv = np.random.default_rng(seed).integers(-4, 4, size=(k, m))
    wc = quant.ConstOp.from_numpy(wv, quant.int_type(-4, 3))
    lo_v, hi_v = quant.code_range(quant.elem_type(v))
    bound = k * 4 * max(abs(lo_v), abs(hi_v))
    mm = quant.IntMatMulOp.build(operands=[flat.result, wc.result],
                                 result_types=[_t((1, m), quant.int_type(-bound, bound))])
    ops += [wc, mm, func.ReturnOp(mm.result)]
    for op in ops:
        block.add_op(op)
    fn = func.FuncOp("main", ([block.args[0].type], [mm.result.type]), Region(block))
    module = ModuleOp([fn])
    module.verify()
    inputs = [np.random.default_rng(seed + i).integers(0, 16, size=(1, h, w, c)) for i in range(3)]
    return module, inputs


@settings(max_examples=examples(ci=100))
@given(case=modules())
def test_absorb_transposes_is_exact_and_leaves_none(case):
    module, inputs = case
    module = parse_module(print_module(module))
    before = [run_function(module, "main", [x])[0] for x in inputs]
    QuantAbsorbTransposesPass().apply(make_context(), module)
    module.verify()
    after = [run_function(module, "main", [x])[0] for x in inputs]
    for b, a in zip(before, after):
        assert np.array_equal(a, b), f"changed the result:\n{print_module(module)}"
    names = [op.name for op in module.walk()]
    assert "quant.transpose" not in names, print_module(module)

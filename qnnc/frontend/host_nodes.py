"""Standard ONNX nodes qnnc has no importer for, packaged for `host.onnx_node`.

Such a node (Softmax, ArgMax, TopK, Sigmoid, Clip, Concat, ...) can only run on the host, so qnnc
carries it unchanged: a one-node ONNX model whose graph inputs are the node's non-constant inputs
(renamed `in0`, `in1`, ...), whose initializers are its constant inputs, and whose outputs are the
node's outputs (`out0`, ...). Renaming keeps user names out of the stored model; the node's
attributes and semantics are untouched. A node from an opset older than `HOST_OPSET` is brought
to it with ONNX's version converter (Softmax's axis semantics changed at 13, for instance), so a
host graph holds one opset.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from qnnc.diagnostics import QnncError
from qnnc.dialects.host import HOST_OPSET

NON_HOST_OPS = frozenset({"If", "Loop", "Scan", "SequenceMap"})
"""Ops with subgraphs: their bodies may read outer values by name, so they cannot be carried
alone."""


def node_model(node: onnx.NodeProto, consts: dict[str, np.ndarray],
               value_types: dict[str, onnx.TypeProto], opset: int) -> tuple[bytes, list[str]]:
    """The node as a self-contained ONNX model (serialized) and the names of its non-constant
    inputs, in the order of the model's graph inputs. `value_types` gives the ONNX type of
    every non-constant input and of every output."""
    if node.op_type in NON_HOST_OPS or any(a.type in (onnx.AttributeProto.GRAPH,
                                                      onnx.AttributeProto.GRAPHS)
                                           for a in node.attribute):
        raise QnncError("ops with subgraphs cannot run on the host", node.name, node.op_type)
    inputs, inits, dynamic, renamed = [], [], [], {}
    for name in node.input:
        if not name or name in renamed:
            continue
        if name in consts:
            renamed[name] = f"c{len(inits)}"
            inits.append(numpy_helper.from_array(np.asarray(consts[name]), renamed[name]))
        else:
            renamed[name] = f"in{len(inputs)}"
            inputs.append(helper.make_value_info(renamed[name], value_types[name]))
            dynamic.append(name)
    outputs = [helper.make_value_info(f"out{i}", value_types[o]) for i, o in enumerate(node.output)]
    body = helper.make_node(node.op_type, [renamed.get(n, "") for n in node.input],
                            [f"out{i}" for i in range(len(node.output))], name="node",
                            domain=node.domain)
    body.attribute.extend(node.attribute)
    graph = helper.make_graph([body], node.op_type, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="qnnc")
    model.ir_version = 8
    if opset < HOST_OPSET:
        try:
            model = onnx.version_converter.convert_version(model, HOST_OPSET)
        except Exception as e:
            raise QnncError(f"cannot bring this opset-{opset} node to opset {HOST_OPSET} to run "
                            f"it on the host: {e}", node.name, node.op_type)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:
        raise QnncError(f"not a valid ONNX node: {str(e).splitlines()[0]}", node.name,
                        node.op_type)
    return model.SerializeToString(deterministic=True), dynamic


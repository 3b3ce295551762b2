"""A real model whose node and tensor names are as hostile as ONNX allows: Verilog, SystemVerilog
and C++ keywords, paths, spaces, quotes and comment delimiters, control characters, unicode,
1,000 characters, names equal up to case, names starting with digits. Shared by the unit test
(compile, lint, round trip, determinism) and the cosim test (`--verify`)."""

from __future__ import annotations

from pathlib import Path

import onnx

MODELS = Path(__file__).resolve().parent / "models"

HOSTILE = ["module", "wire", "class", "input", "../../etc/passwd", "a b c", "ünïcödé_层",
           "x" * 1000, "Layer", "layer", "1st_layer", "*/ `define X /*", 'q"uote\\', "$display",
           "new\nline", "delete", "always", "y" * 999 + "Z", "y" * 999 + "z", "__init__", "9"]
"""Names to give nodes and tensors (cycled; made unique where ONNX requires it)."""

UNSAFE_FRAGMENTS = ("../", "a b c", "ünï", "`define", '"uote', "$display", "new\nline", "*/")
"""Pieces of HOSTILE that must never reach generated Verilog or README text."""


def hostile_model(base: str = "tfc_1w1a_zoo") -> onnx.ModelProto:
    """The bundled model `base` with every node and tensor renamed from HOSTILE."""
    m = onnx.load(str(MODELS / base / "model.onnx"))
    g = m.graph
    tensors: list[str] = []
    for n in g.node:
        tensors += [t for t in list(n.input) + list(n.output) if t and t not in tensors]
    tensors += [v.name for v in list(g.input) + list(g.output) if v.name not in tensors]
    rename = {t: HOSTILE[i % len(HOSTILE)] + ("" if i < len(HOSTILE) else f"#{i}")
              for i, t in enumerate(tensors)}
    for n in g.node:
        n.input[:] = [rename.get(x, x) for x in n.input]
        n.output[:] = [rename.get(x, x) for x in n.output]
    for coll in (g.input, g.output, g.value_info, g.initializer):
        for v in coll:
            v.name = rename.get(v.name, v.name)
    for i, n in enumerate(g.node):  # node names may repeat: qnnc renames only the repeats
        n.name = HOSTILE[(3 * i) % len(HOSTILE)]
    return m

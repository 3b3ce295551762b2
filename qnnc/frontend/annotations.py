"""FINN datatype annotations (`graph.quantization_annotation`, key `finn_datatype`).

FINN-ONNX (what FINN's `ConvertQONNXtoFINN` writes) and some QONNX exports annotate tensors with
a FINN datatype: `BIPOLAR` (-1, +1), `BINARY` (0, 1), `TERNARY` (-1, 0, 1), `INTn`, `UINTn`
(also `FLOAT32`, `FIXED<w,i>`, `SCALEDINT<n>`, which say nothing qnnc can use). A tensor with an
integer datatype holds integer codes of that type by contract:

* an annotated initializer (FINN's folded weights) must hold such values, else the model is
  rejected naming the tensor (`check_initializers`);
* an annotated graph input is already quantized: the importer wraps it in `quant.annotate`
  (`input_types`), streamlining takes it as the input's quantizer, and `--verify` draws random
  codes of that type instead of N(0, 1) values (`random_codes`, `check_codes`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from onnx import numpy_helper

from qnnc.diagnostics import QnncError

ANNOTATION_KEY = "finn_datatype"


@dataclass(frozen=True)
class CodeType:
    """An integer FINN datatype as a QONNX quantizer would describe its codes."""

    name: str
    bits: int
    signed: bool
    narrow: bool = False

    @property
    def bipolar(self) -> bool:
        return self.bits == 1 and self.signed

    def code_range(self) -> tuple[int, int]:
        if self.bipolar:
            return -1, 1
        if self.signed:
            return -(2 ** (self.bits - 1)) + int(self.narrow), 2 ** (self.bits - 1) - 1
        return 0, 2**self.bits - 1 - int(self.narrow)

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Elementwise: is the value a code of this type?"""
        v = np.asarray(values, dtype=np.float64)
        lo, hi = self.code_range()
        ok = (v == np.round(v)) & (v >= lo) & (v <= hi)
        return ok & (v != 0) if self.bipolar else ok


def code_type(name: str) -> CodeType | None:
    """The integer datatype a FINN datatype name denotes; None for float/fixed/scaled types.
    Raises ValueError for a name FINN does not define."""
    n = name.strip().upper()
    if n == "BIPOLAR":
        return CodeType(n, 1, True)
    if n == "BINARY":
        return CodeType(n, 1, False)
    if n == "TERNARY":
        return CodeType(n, 2, True, True)
    m = re.fullmatch(r"(U?)INT(\d+)", n)
    if m:
        bits = int(m.group(2))
        if not 1 <= bits <= 32:
            raise ValueError(f"datatype {name} has {bits} bits (qnnc handles 1..32)")
        return CodeType(n, bits, not m.group(1))
    if n in ("FLOAT32", "FLOAT16") or re.fullmatch(r"(FIXED<\d+,\d+>|SCALEDINT<\d+>)", n):
        return None
    raise ValueError(f"unknown FINN datatype '{name}'")


def annotations(graph) -> dict[str, str]:
    """tensor name → FINN datatype name, for every tensor the graph annotates."""
    out = {}
    for ann in graph.quantization_annotation:
        for kv in ann.quant_parameter_tensor_names:
            if kv.key == ANNOTATION_KEY:
                out[ann.tensor_name] = kv.value
    return out


def _code_type_of(tensor: str, dtype: str) -> CodeType | None:
    try:
        return code_type(dtype)
    except ValueError as e:
        raise QnncError(f"tensor '{tensor}': {e}", tensor, "Annotation") from None


def check_initializers(graph) -> None:
    """Every initializer annotated with an integer datatype holds codes of it; else an error
    naming the tensor."""
    inits = {i.name: i for i in graph.initializer}
    for name, dtype in annotations(graph).items():
        if name not in inits:
            continue
        ct = _code_type_of(name, dtype)
        if ct is None:
            continue
        arr = numpy_helper.to_array(inits[name])
        bad = ~ct.contains(arr)
        if np.any(bad):
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            lo, hi = ct.code_range()
            what = "-1 or +1" if ct.bipolar else f"integers in {lo}..{hi}"
            raise QnncError(f"initializer annotated {ct.name} holds {float(arr[idx])!r} at index "
                            f"{list(idx)}, not {what} ({int(bad.sum())} such values)",
                            name, "Initializer")


def input_types(graph) -> dict[str, CodeType]:
    """graph input name → its integer datatype, for the annotated (non-initializer) inputs."""
    inits = {i.name for i in graph.initializer}
    ann = annotations(graph)
    out = {}
    for i in graph.input:
        if i.name in inits or i.name not in ann:
            continue
        ct = _code_type_of(i.name, ann[i.name])
        if ct is not None:
            out[i.name] = ct
    return out


def random_codes(ct: CodeType, shape, rng: np.random.Generator) -> np.ndarray:
    """Uniformly random codes of the datatype, as float32."""
    if ct.bipolar:
        return rng.choice(np.array([-1.0, 1.0], np.float32), size=shape)
    lo, hi = ct.code_range()
    return rng.integers(lo, hi + 1, size=shape).astype(np.float32)


def check_codes(name: str, ct: CodeType, values: np.ndarray, where: str) -> None:
    """An error when `values` (inputs for the graph input `name`) are not codes of its type."""
    bad = ~ct.contains(values)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise QnncError(f"{where}: input '{name}' is annotated {ct.name} but sample {idx[0]} "
                        f"holds {float(np.asarray(values)[idx])!r} at {list(idx[1:])} "
                        f"({int(bad.sum())} values outside the type)")

"""Compatibility fixes for the pinned xDSL (0.74), in one place, applied where qnnc makes a
context (`qnnc.ir.make_context`, `qnnc-opt`): two concern xDSL's parser, two its printer, so
anything that parses or prints qnnc IR goes through one of those. Each fix is idempotent and says
what it works around.
"""

from __future__ import annotations


def apply() -> None:
    """Install every fix (idempotent)."""
    fix_hex_float_elements()
    cache_dense_literal_type_check()
    fast_dense_splat_check()
    fast_printer_writes()


def fix_hex_float_elements() -> None:
    """Workaround for an xDSL 0.74 print/parse mismatch (found by tests/property).

    xDSL's printer writes a float that has no short lossless decimal form and no '.' in its
    9/17-digit form (an integral f32 like 2284584.0, an integral f64 offset) as its IEEE bit
    pattern, `0x4A0B70A0`, as MLIR does. Its parser reads such a token inside `dense<[...]>` as
    the *integer* 0x4A0B70A0 converted to float (1.24e9), so a printed module parsed back
    changed constants (weights, BatchNorm variances, dequantize offsets). MLIR, and xDSL's own
    scalar FloatAttr parser, read it as the bit pattern; this makes tensor literals do the same.
    """
    from xdsl.parser import AttrParser

    elem_cls = AttrParser._TensorLiteralElement
    if getattr(elem_cls.to_type, "_qnnc_hex_fix", False):
        return
    original = elem_cls.to_type

    def to_type(self, parser, type):
        text = self.span.text.lstrip("-").strip()
        from xdsl.dialects.builtin import Float32Type, Float64Type

        if (isinstance(type, (Float32Type, Float64Type)) and isinstance(self.value, int)
                and not isinstance(self.value, bool) and text[:2] in ("0x", "0X")):
            raw = abs(self.value).to_bytes(type.compile_time_size, "little")
            return type.unpack(raw, 1)[0]
        return original(self, parser, type)

    to_type._qnnc_hex_fix = True
    elem_cls.to_type = to_type



def cache_dense_literal_type_check() -> None:
    """Speed-up for xDSL 0.74's parser (measured with cProfile on the lowering property).

    For every `dense<...> : tensor<...>` literal, `AttrParser._parse_dense_literal_type` rebuilds
    the constraint `base(RankedStructure[IntegerType | IndexType | AnyFloat | ComplexType])`
    from the type annotation (~150 calls into `irdl_to_attr_constraint` each): a third of the
    time to parse a qnnc module. The same check against a constraint built once.
    """
    from xdsl.dialects.builtin import (DYNAMIC_INDEX, AnyFloat, ComplexType, IndexType, IntegerType,
                                       RankedStructure)
    from xdsl.irdl import base
    from xdsl.parser import AttrParser

    if getattr(AttrParser._parse_dense_literal_type, "_qnnc_cached", False):
        return
    constraint = base(RankedStructure[IntegerType | IndexType | AnyFloat | ComplexType])

    def _parse_dense_literal_type(self):
        type = self.expect(self.parse_optional_type, "Dense attribute must be typed!")
        if not constraint.verifies(type):
            self.raise_error("Expected memref, vector or tensor type of "
                             "integer, index, float, or complex type")
        if any(dim == DYNAMIC_INDEX for dim in list(type.get_shape())):
            self.raise_error("Dense literal attribute should have a static shape.")
        return type

    _parse_dense_literal_type._qnnc_cached = True
    AttrParser._parse_dense_literal_type = _parse_dense_literal_type


def fast_dense_splat_check() -> None:
    """Speed-up for xDSL 0.74's printer (measured with `qnnc --time-passes` on an LFC-sized MLP).

    `DenseIntOrFPElementsAttr.print_without_type` unpacks every element into a Python tuple
    twice (its values, then `is_splat`: `values.count(values[0]) == len(values)`) before
    printing an attribute of more than 100 elements as its raw bytes in hex: about 0.3 µs an
    element, most of the time to dump the IR of a large model. The same decision, taken on the
    raw bytes: an integer attribute is a splat when every element's bytes equal the first's
    (the encoding is one-to-one); a float one when every element equals the first as a number
    (numpy's `==` is Python's for floats: -0.0 == 0.0, NaN equals nothing, as `count` finds it).
    Attributes of up to 100 elements, and other element types, print as before.
    """
    import numpy as np
    from xdsl.dialects.builtin import (DenseIntOrFPElementsAttr, Float32Type, Float64Type,
                                       IndexType, IntegerType)

    original = DenseIntOrFPElementsAttr.print_without_type
    if getattr(original, "_qnnc_fast", False):
        return

    def is_splat(attr: DenseIntOrFPElementsAttr) -> bool | None:
        elem = attr.get_element_type()
        raw = attr.data.data
        if isinstance(elem, (IntegerType, IndexType)):
            size = elem.compile_time_size
            return raw == raw[:size] * (len(raw) // size)
        if isinstance(elem, (Float32Type, Float64Type)):
            values = np.frombuffer(raw, dtype="<f4" if isinstance(elem, Float32Type) else "<f8")
            return bool(np.all(values == values[0]))
        return None  # another element type: xDSL decides

    def print_without_type(self, printer) -> None:
        length = len(self)
        splat = is_splat(self) if length > 100 else None
        if splat is None:
            return original(self, printer)
        printer.print_string("dense")
        with printer.in_angle_brackets():
            if splat:
                elem = self.get_element_type()
                self._print_one_elem(elem.unpack(self.data.data[:elem.compile_time_size], 1)[0],
                                     printer)
            else:
                printer.print_string(f'"0x{self.data.data.hex().upper()}"')

    print_without_type._qnnc_fast = True
    print_without_type._qnnc_original = original  # for the test comparing the two
    DenseIntOrFPElementsAttr.print_without_type = print_without_type


def fast_printer_writes() -> None:
    """Speed-up for xDSL 0.74's printer (measured with `qnnc --time-passes`: the IR dumps).

    `BasePrinter` (xdsl/utils/base_printer.py) writes every token of the text through the
    builtin `print(text, end="", file=self.stream)`: some 10,000 calls to dump a small model,
    more than half of the printing time. `print` of one `str` writes that string and then
    `end`; the module is given a `print` that makes those same two writes on the stream
    directly (the newline and the indentation it prints too), and calls the builtin for
    anything else. The text is the same, character for character.
    """
    import sys

    import xdsl.utils.base_printer as base_printer

    if getattr(vars(base_printer).get("print"), "_qnnc_fast", False):
        return

    def fast_print(*args, sep=" ", end="\n", file=None, flush=False):
        out = sys.stdout if file is None else file
        if out is not None and not flush and len(args) <= 1 and \
                (not args or type(args[0]) is str) and type(end) is str:
            if args and args[0]:
                out.write(args[0])
            if end:
                out.write(end)
            return
        print(*args, sep=sep, end=end, file=file, flush=flush)

    fast_print._qnnc_fast = True
    base_printer.print = fast_print  # a module global shadows the builtin in that module

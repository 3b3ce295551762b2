"""`irdl_op_definition` for qnnc's dialects: xDSL's, with the assembly format parsed on first use.

xDSL's decorator parses an op's `assembly_format` into a `FormatProgram` when the class is
defined, for every op of a dialect as it is imported: qnnc's 52 formats took 20-35 ms of every
`qnnc` process's start-up, though a compile prints (dumps) and parses only the ops its model
uses (fixedmlp_w8a6: 21 of them). This decorator defines the op the same way, then parses its
format when the op is first printed or parsed, from the same string against the same `OpDef`,
and prints and parses through that program exactly as xDSL's `print_with_format` /
`parse_with_format` do, so the text is the same. A malformed format is reported then (the same
`PyRDLOpDefinitionError`), not at import: `parse_formats` parses every one at once, and
tests/unit/test_fast_paths.py does so for every dialect.
"""

from __future__ import annotations

from typing import TypeVar

from xdsl.ir import Operation
from xdsl.irdl import IRDLOperation
from xdsl.irdl import irdl_op_definition as _xdsl_irdl_op_definition
from xdsl.irdl.operations import PyRDLOpDefinitionError
from xdsl.utils.exceptions import ParseError

OpT = TypeVar("OpT", bound=IRDLOperation)


def irdl_op_definition(cls: type[OpT]) -> type[OpT]:
    """xDSL's `irdl_op_definition`, the op's own `assembly_format` parsed when first used."""
    fmt = getattr(cls, "assembly_format", None)
    if fmt is None:
        return _xdsl_irdl_op_definition(cls)
    if cls.print is not Operation.print or cls.parse.__func__ is not Operation.parse.__func__:
        raise PyRDLOpDefinitionError(  # xDSL's check, which it makes only with a format
            "Cannot define both an assembly format (with the assembly_format "
            "variable) and the print and parse methods.")
    cls.assembly_format = None  # xDSL defines the op without parsing the format ...
    try:
        _xdsl_irdl_op_definition(cls)
    finally:
        cls.assembly_format = fmt
    op_def = cls.get_irdl_definition()
    op_def.assembly_format = fmt  # ... and the definition carries it, as xDSL's would
    program = []

    def format_program():
        if not program:
            from xdsl.irdl.declarative_assembly_format import FormatProgram

            try:
                program.append(FormatProgram.from_str(fmt, op_def))
            except ParseError as e:
                raise PyRDLOpDefinitionError(
                    "Error during the parsing of the assembly format: ", e.args) from e
        return program[0]

    @classmethod
    def parse_with_format(op_cls, parser):
        return format_program().parse(parser, op_cls)

    def print_with_format(self, printer):
        return format_program().print(printer, self)

    cls.parse = parse_with_format
    cls.print = print_with_format
    cls._qnnc_format_program = staticmethod(format_program)
    return cls


def parse_formats(ops) -> int:
    """Parse the assembly format of every op of `ops` defined here (a malformed one raises);
    returns how many there were."""
    n = 0
    for op in ops:
        program = op.__dict__.get("_qnnc_format_program")
        if program is not None:
            program()
            n += 1
    return n

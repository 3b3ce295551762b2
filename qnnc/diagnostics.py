"""Diagnostics: errors that name the ONNX node they are about.

Every user-facing failure of qnnc is a `QnncError`. The CLI prints it as
`error: node '<name>' (<OpType>): <reason>` and exits with code 2; nothing else is printed
(no traceback), and no partial output directory is left behind.
"""

from __future__ import annotations

from xdsl.dialects.builtin import NameLoc, NoneAttr, StringAttr
from xdsl.ir import Operation
from xdsl.utils.exceptions import DiagnosticException


# A DiagnosticException (still an Exception) so that `qnnc-opt --verify-diagnostics` reports a
# pass error as a diagnostic, like xDSL's PassFailedException, instead of a traceback.
class QnncError(DiagnosticException):
    """A diagnostic about the input model (or IR), optionally naming the node it concerns."""

    def __init__(self, reason: str, node: str | None = None, op_type: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.node = node
        self.op_type = op_type

    def __str__(self) -> str:
        if self.node is not None:
            return f"error: node '{self.node}' ({self.op_type or '?'}): {self.reason}"
        return f"error: {self.reason}"


def node_name(op: Operation) -> str:
    """The ONNX node name an op came from (its `loc("name")`), or its IR name."""
    loc = op.location
    if isinstance(loc, NameLoc):
        return loc.desc.data
    return op.name


def onnx_op_type(op: Operation) -> str:
    """The ONNX op type recorded at import (the nested location in `loc("name"("OpType"))`)."""
    loc = op.location
    if isinstance(loc, NameLoc) and isinstance(loc.location, NameLoc):
        return loc.location.desc.data
    return op.name


def onnx_loc(node: str, op_type: str) -> NameLoc:
    """The location qnnc gives an op imported from ONNX node `node` of type `op_type`."""
    return NameLoc(StringAttr(node), NameLoc(StringAttr(op_type), NoneAttr()))


def op_error(op: Operation, reason: str) -> QnncError:
    """A `QnncError` about the ONNX node `op` was imported from."""
    return QnncError(reason, node_name(op), onnx_op_type(op))

"""Diagnostics: errors that name the ONNX node they are about.

Every user-facing failure of qnnc is a `QnncError`. The CLI prints it as
`error: node '<name>' (<OpType>): <reason>` and exits with code 2; nothing else is printed
(no traceback), and no partial output directory is left behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING

from xdsl.utils.exceptions import DiagnosticException  # light: no IR classes

if TYPE_CHECKING:  # imported where used: the CLI's argument parsing imports this module
    from xdsl.ir import Operation


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
            return one_line(f"error: node '{self.node}' ({self.op_type or '?'}): {self.reason}")
        return one_line(f"error: {self.reason}")


BUG_REPORT = ("this is a bug in qnnc: please report it with the model and the command line "
              "(QNNC_DEBUG=1 prints a traceback)")


class InternalError(Exception):
    """A compiler bug (any exception that is not a `QnncError`) caught at a stage boundary,
    with the pass or step it happened in and, when found, the ONNX node being processed: a
    user can then report it usefully, and a developer knows where to look."""

    def __init__(self, where: str, cause: BaseException, node: str | None = None,
                 op_type: str | None = None):
        super().__init__(where)
        self.where, self.cause, self.node, self.op_type = where, cause, node, op_type

    def __str__(self) -> str:
        at = f" at node '{self.node}' ({self.op_type or '?'})" if self.node is not None else ""
        return one_line(f"error: internal compiler error in {self.where}{at}: "
                        f"{type(self.cause).__name__}: {self.cause}; {BUG_REPORT}")


@contextlib.contextmanager
def internal_errors(where: str) -> Iterator[None]:
    """Turn any exception but a user error into an `InternalError` naming `where` (a pass or
    driver step) and the innermost ONNX-located op the failing code was handling."""
    try:
        yield
    except (QnncError, InternalError):
        raise
    except Exception as e:
        node = culprit_op(e.__traceback__)
        raise InternalError(where, e, *(node or (None, None))) from e


def culprit_op(tb: TracebackType | None) -> tuple[str, str] | None:
    """(node name, ONNX op type) of the op the failing code was handling, found by walking the
    traceback: the op a pattern's innermost `match_and_rewrite(self, op, ...)` was given, else
    the innermost frame's local op carrying an ONNX location."""
    pattern_op = any_op = None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "match_and_rewrite" and frame.f_code.co_argcount >= 2:
            pattern_op = _onnx_located(frame.f_locals.get(frame.f_code.co_varnames[1])) or pattern_op
        for v in list(frame.f_locals.values()):
            any_op = _onnx_located(v) or any_op
        tb = tb.tb_next
    return pattern_op or any_op


def _onnx_located(v: object) -> tuple[str, str] | None:
    from xdsl.dialects.builtin import NameLoc
    from xdsl.ir import Operation

    # getattr: a local may be an op whose construction failed half-way
    if isinstance(v, Operation) and isinstance(getattr(v, "location", None), NameLoc):
        return node_name(v), onnx_op_type(v)
    return None


def one_line(text: str) -> str:
    """text with control characters escaped, so a diagnostic is exactly one line whatever the
    model's names contain (a node named "x\nerror: ..." cannot forge a second message)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def node_name(op: Operation) -> str:
    """The ONNX node name an op came from (its `loc("name")`), or its IR name."""
    from xdsl.dialects.builtin import NameLoc

    loc = op.location
    if isinstance(loc, NameLoc):
        return _loc_decode(loc.desc.data)
    return op.name


def onnx_op_type(op: Operation) -> str:
    """The ONNX op type recorded at import (the nested location in `loc("name"("OpType"))`)."""
    from xdsl.dialects.builtin import NameLoc

    loc = op.location
    if isinstance(loc, NameLoc) and isinstance(loc.location, NameLoc):
        return _loc_decode(loc.location.desc.data)
    return op.name


def onnx_loc(node: str, op_type: str) -> NameLoc:
    """The location qnnc gives an op imported from ONNX node `node` of type `op_type`."""
    from xdsl.dialects.builtin import NameLoc, NoneAttr, StringAttr

    return NameLoc(StringAttr(_loc_encode(node)), NameLoc(StringAttr(_loc_encode(op_type)), NoneAttr()))


def _loc_encode(name: str) -> str:
    """name as printable ASCII (Python escapes: non-ASCII as \\uXXXX, a backslash doubled),
    reversed by `_loc_decode`. xDSL prints a non-ASCII location as bytes it cannot parse back,
    and every IR dump must parse back; plain ASCII names are unchanged."""
    if name.isascii() and name.isprintable() and "\\" not in name:
        return name
    return name.encode("unicode_escape").decode("ascii")


def _loc_decode(text: str) -> str:
    if "\\" not in text:
        return text
    try:
        return text.encode("ascii").decode("unicode_escape")
    except (UnicodeError, ValueError):
        return text


def op_error(op: Operation, reason: str) -> QnncError:
    """A `QnncError` about the ONNX node `op` was imported from."""
    return QnncError(reason, node_name(op), onnx_op_type(op))

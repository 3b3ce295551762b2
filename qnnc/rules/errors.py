"""The one error type of the rule language: `error: FILE:LINE:COL: message`."""

from __future__ import annotations

from qnnc.diagnostics import QnncError
from qnnc.rules.ast import Pos


class RuleError(QnncError):
    """A syntax, name, type or rewrite error in a rule file, at a position in it. The tools
    print it as one `error: FILE:LINE:COL: message` line and exit with code 2."""

    def __init__(self, message: str, path: str, pos: Pos | None = None):
        where = path if pos is None or pos.line <= 0 else f"{path}:{pos.line}:{pos.col}"
        super().__init__(f"{where}: {message}")
        self.message, self.path, self.pos = message, path, pos

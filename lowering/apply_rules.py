"""apply-rules: rewrite the IR with the rules of a `.qrr` file (docs/rules.md).

Preconditions: none beyond verified IR of any level; the rules name the ops they match.

Postconditions: no rule of the file matches anywhere (the rules are applied greedily, in file
order at each op, until none applies; a rule set that keeps rewriting its own output does not
terminate, as with any greedy rewriting). The IR verifies: every new op is verified when it is
built, and a replacement must have the type of the value it replaces.

Strategy: the file is parsed (qnnc/rules/parser.py), checked against the context's dialects
and compiled to one xDSL `RewritePattern` per rule (qnnc/rules/compiler.py), then applied by
`PatternRewriteWalker`. Any error in the file (syntax, unknown op, type or attribute, a type
error in a condition) or in a rewrite (a new op that does not verify) is a `RuleError`:
`error: FILE:LINE:COL: message`, exit code 2 from `qnnc` and `qnnc-opt`.

`qnnc-opt --rules FILE` is `-p 'apply-rules{file="FILE"}'` after the other passes; `qnnc
--rules FILE` applies it at the end of the dataflow stage (qnnc/pipeline.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriteWalker

from qnnc.rules import RuleError
from qnnc.rules.compiler import load_rules


@dataclass(frozen=True)
class ApplyRulesPass(ModulePass):
    name = "apply-rules"
    file: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if not self.file:
            raise RuleError('needs a rule file: apply-rules{file="rules.qrr"}', self.name)
        patterns = load_rules(self.file, ctx)
        if not patterns:
            return
        # dce off: a rule erases the producers it matched and left unused, nothing else
        PatternRewriteWalker(GreedyRewritePatternApplier(list(patterns), dce_enabled=False),
                             apply_recursively=True).rewrite_module(op)

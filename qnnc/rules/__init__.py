"""Rewrite rules in a small language (`.qrr` files, docs/rules.md): a rule matches ops by name,
operand and result types and attributes, binds values, attributes and type parameters, checks a
side condition, and replaces the matched root by new ops or a bound value.

`parser.py` (lark grammar `grammar.lark`) → `ast.py` → `compiler.py` (checks names and types
against the IR's dialects, makes one xDSL `RewritePattern` per rule); the pass `apply-rules`
(lowering/apply_rules.py) applies a file's patterns."""

from qnnc.rules.errors import RuleError

__all__ = ["RuleError"]

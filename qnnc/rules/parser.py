"""Parse `.qrr` rule files (grammar.lark, lark's LALR parser) into the AST of `ast.py`.

A syntax error is a `RuleError` at the offending token's line and column, saying what was
found and what could come there. Parsing checks syntax only; `compiler.py` resolves names
against the IR's dialects.
"""

from __future__ import annotations

from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from qnnc.rules import ast as A
from qnnc.rules.errors import RuleError

_GRAMMAR = Path(__file__).with_name("grammar.lark")
_parser: Lark | None = None

# what a terminal is called in an error message
_TERMINAL_NAMES = {
    "RULE_NAME": "a rule name", "OP_NAME": "an op name (dialect.op)", "KEY": "an attribute name",
    "FUNC": "a function (uses, min, max)", "VALUE": "a value (%name)",
    "VAR": "a variable ($name)", "INT_TYPE": "an integer type (i8, si4, ui2)",
    "DIALECT_TYPE": "a type (!dialect.name)", "INT": "an integer", "$END": "end of file",
}


def parser() -> Lark:
    global _parser
    if _parser is None:
        _parser = Lark(_GRAMMAR.read_text(), parser="lalr", propagate_positions=True,
                       maybe_placeholders=True)
    return _parser


def _pos(x: Token | object) -> A.Pos:
    """Where a token or a tree node (its lark `meta`) starts."""
    return A.Pos(x.line, x.column)


def _describe(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    try:
        pattern = parser().get_terminal(name).pattern
    except KeyError:
        return name
    return f"'{pattern.value}'" if pattern.type == "str" else name


def _found(e: UnexpectedInput) -> str:
    if isinstance(e, UnexpectedCharacters):
        return f"unexpected character {e.char!r}"
    tok = getattr(e, "token", None)
    if tok is None or tok.type == "$END":
        return "unexpected end of file"
    return f"unexpected {str(tok)!r}"


def _syntax_error(e: UnexpectedInput, path: str) -> RuleError:
    expected = sorted({_describe(t) for t in (getattr(e, "expected", None) or
                                                 getattr(e, "allowed", None) or ())})
    msg = _found(e)
    if expected:
        msg += "; expected " + (expected[0] if len(expected) == 1 else
                                "one of " + ", ".join(expected))
    line, col = e.line, e.column
    tok = getattr(e, "token", None)
    if isinstance(e, UnexpectedEOF) or line is None or line < 0 or (
            tok is not None and tok.type == "$END"):
        line, col = _end_pos(e)
    return RuleError(msg, path, A.Pos(line, col))


def _end_pos(e: UnexpectedInput) -> tuple[int, int]:
    text = getattr(e, "_qnnc_text", "")
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


_BINOPS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "mod", "eq": "==",
           "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "and_": "and", "or_": "or"}


def _values(tree) -> tuple[str, ...]:
    return tuple(str(t)[1:] for t in tree)


@v_args(meta=True)
class _ToAst(Transformer):
    def start(self, meta, children):
        return A.RuleFile(tuple(children))

    def rule(self, meta, c):
        name, match, *rest = c
        where = rest[0] if len(rest) == 2 else None
        build, replace = rest[-1]
        return A.Rule(str(name), match, where, build, replace, _pos(meta))

    def match(self, meta, c):
        return tuple(c)

    def where(self, meta, c):
        return c[0]

    def rewrite(self, meta, c):
        return tuple(c[:-1]), c[-1]

    def replace(self, meta, c):
        return A.Replace(c[0], c[1], _pos(meta))

    def values(self, meta, c):
        return _values(c)

    def op_pattern(self, meta, c):
        results, name, *rest = c
        result_types = rest.pop()
        attrs: tuple = ()
        if rest and isinstance(rest[-1], list):
            attrs = tuple(rest.pop())
        operands = tuple(o for o in rest if o is not None)
        return A.OpStmt(results, str(name), operands, attrs,
                        None if result_types is None else tuple(result_types), pos=_pos(meta))

    def op_build(self, meta, c):
        results, name, *rest = c
        loc = rest.pop()
        result_types = rest.pop()
        attrs: tuple = ()
        if rest and isinstance(rest[-1], list):
            attrs = tuple(rest.pop())
        operands = tuple(A.Operand(str(v)[1:], None, _pos(v)) for v in rest if v is not None)
        return A.OpStmt(results, str(name), operands, attrs, tuple(result_types), loc,
                        pos=_pos(meta))

    def at(self, meta, c):
        return str(c[0])[1:]

    def pat_operand(self, meta, c):
        return A.Operand(str(c[0])[1:], c[1], _pos(meta))

    def pat_attrs(self, meta, c):
        return [a for a in c if a is not None]

    build_attrs = pat_attrs

    def pat_attr(self, meta, c):
        return A.AttrEntry(str(c[0]), c[1], _pos(meta))

    build_attr = pat_attr

    def absent(self, meta, c):
        return A.Absent(_pos(meta))

    def pats(self, meta, c):
        return list(c)

    btypes = pats

    def var(self, meta, c):
        return A.Var(str(c[0])[1:], _pos(meta))

    def wild(self, meta, c):
        return A.Wild(_pos(meta))

    def int_lit(self, meta, c):
        return A.IntLit(int(c[0]), _pos(meta))

    def neg_int_lit(self, meta, c):
        return A.IntLit(-int(c[0]), _pos(meta))

    def int_type(self, meta, c):
        text = str(c[0])
        sign = text[0] if text[0] in "su" else ""
        return A.IntType(sign, int(text[len(sign) + 1:]), _pos(meta))

    def dialect_type(self, meta, c):
        return A.DialectType(str(c[0])[1:], tuple(p for p in c[1:] if p is not None), _pos(meta))

    def true(self, meta, c):
        return A.BoolLit(True, _pos(meta))

    def false(self, meta, c):
        return A.BoolLit(False, _pos(meta))

    def neg(self, meta, c):
        (x,) = c
        if isinstance(x, A.IntLit):  # `-3` is the literal -3
            return A.IntLit(-x.value, _pos(meta))
        return A.UnOp("-", x, _pos(meta))

    def not_(self, meta, c):
        return A.UnOp("not", c[0], _pos(meta))

    def call(self, meta, c):
        return A.Call(str(c[0]), tuple(a for a in c[1:] if a is not None), _pos(meta))

    def value_ref(self, meta, c):
        return A.ValueRef(str(c[0])[1:], _pos(meta))

    def __default__(self, data, children, meta):
        if data in _BINOPS:
            return A.BinOp(_BINOPS[data], children[0], children[1], _pos(meta))
        raise AssertionError(f"unhandled grammar rule {data}")


def parse_rules(text: str, path: str = "<rules>") -> A.RuleFile:
    """The AST of a rule file's text; a `RuleError` (path:line:col) on a syntax error."""
    try:
        tree = parser().parse(text)
    except UnexpectedInput as e:
        e._qnnc_text = text  # type: ignore[attr-defined]
        raise _syntax_error(e, path) from None
    return _ToAst().transform(tree)


def parse_file(path: str | Path) -> A.RuleFile:
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise RuleError(f"cannot read rule file: {e.strerror or e}", str(path)) from None
    except UnicodeDecodeError as e:
        raise RuleError(f"not a text file: {e.reason}", str(path)) from None
    return parse_rules(text, str(path))

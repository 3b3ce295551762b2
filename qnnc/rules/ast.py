"""The AST of a `.qrr` rule file (docs/rules.md), and its printer.

Every node carries the `Pos` (line, column) it was parsed at, which is not part of its value
(`compare=False`): `parse(show(ast)) == ast` whatever the layout. The printer writes the
canonical form (one op per line, binary expressions fully parenthesized).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pos:
    line: int = 0
    col: int = 0


def _pos() -> Pos:
    return field(default=Pos(), compare=False, repr=False)


# -- terms: patterns, expressions, type builders -------------------------------------------------


@dataclass(frozen=True)
class Var:
    """`$name`: binds an attribute, a type or an integer (first use), or must equal it."""
    name: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class Wild:
    """`_`: anything (pattern only)."""
    pos: Pos = _pos()


@dataclass(frozen=True)
class Absent:
    """`absent`: the attribute or property is not set (attribute pattern only)."""
    pos: Pos = _pos()


@dataclass(frozen=True)
class IntLit:
    value: int
    pos: Pos = _pos()


@dataclass(frozen=True)
class BoolLit:
    value: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class IntType:
    """A builtin integer type: `i8` (signless), `si4`, `ui2`."""
    signedness: str  # "", "s" or "u"
    width: int
    pos: Pos = _pos()


@dataclass(frozen=True)
class DialectType:
    """`!dialect.name` or `!dialect.name<p, ...>`: a parametrized type by its parameters."""
    name: str
    params: tuple["Term", ...] = ()
    pos: Pos = _pos()


@dataclass(frozen=True)
class ValueRef:
    """`%name` as a function argument (`uses(%v)`)."""
    name: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class BinOp:
    """Arithmetic (`+ - * / mod`), comparison (`== != < <= > >=`) or logic (`and or`)."""
    op: str
    lhs: "Term"
    rhs: "Term"
    pos: Pos = _pos()


@dataclass(frozen=True)
class UnOp:
    """`-x` or `not x`."""
    op: str
    operand: "Term"
    pos: Pos = _pos()


@dataclass(frozen=True)
class Call:
    """`uses(%v)`, `min(a, b, ...)`, `max(a, b, ...)`."""
    fn: str
    args: tuple["Term", ...]
    pos: Pos = _pos()


Term = Var | Wild | Absent | IntLit | BoolLit | IntType | DialectType | ValueRef | BinOp | UnOp | Call


# -- ops and rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operand:
    """`%name` or `%name : type-pattern` (the type only in a match)."""
    name: str
    type: Term | None = None
    pos: Pos = _pos()


@dataclass(frozen=True)
class AttrEntry:
    key: str
    value: Term
    pos: Pos = _pos()


@dataclass(frozen=True)
class OpStmt:
    """`%r, ... = dialect.op(%a, ...) {key = term, ...} -> type, ...` (a pattern in `match`, a
    new op in `rewrite`; a new op may end with `at %v`: it takes the location of the matched op
    defining %v instead of the root's)."""
    results: tuple[str, ...]
    name: str
    operands: tuple[Operand, ...] = ()
    attrs: tuple[AttrEntry, ...] = ()
    result_types: tuple[Term, ...] | None = None
    loc: str | None = None
    pos: Pos = _pos()


@dataclass(frozen=True)
class Replace:
    """`replace %old, ... with %new, ...`."""
    old: tuple[str, ...]
    new: tuple[str, ...]
    pos: Pos = _pos()


@dataclass(frozen=True)
class Rule:
    name: str
    match: tuple[OpStmt, ...]
    where: Term | None
    build: tuple[OpStmt, ...]
    replace: Replace
    pos: Pos = _pos()


@dataclass(frozen=True)
class RuleFile:
    rules: tuple[Rule, ...]


# -- printer ---------------------------------------------------------------------------------------


def show_term(t: Term) -> str:
    match t:
        case Var(name):
            return f"${name}"
        case Wild():
            return "_"
        case Absent():
            return "absent"
        case IntLit(v):
            return str(v)
        case BoolLit(v):
            return "true" if v else "false"
        case IntType(s, w):
            return f"{s}i{w}"
        case DialectType(name, params):
            inner = f"<{', '.join(show_term(p) for p in params)}>" if params else ""
            return f"!{name}{inner}"
        case ValueRef(name):
            return f"%{name}"
        case BinOp(op, lhs, rhs):
            return f"({show_term(lhs)} {op} {show_term(rhs)})"
        case UnOp(op, operand):
            return f"({op}{' ' if op == 'not' else ''}{show_term(operand)})"
        case Call(fn, args):
            return f"{fn}({', '.join(show_term(a) for a in args)})"
    raise TypeError(t)


def show_op(op: OpStmt) -> str:
    operands = ", ".join(f"%{o.name}" + (f" : {show_term(o.type)}" if o.type is not None else "")
                         for o in op.operands)
    text = f"{', '.join('%' + r for r in op.results)} = {op.name}({operands})"
    if op.attrs:
        text += " {" + ", ".join(f"{a.key} = {show_term(a.value)}" for a in op.attrs) + "}"
    if op.result_types is not None:
        text += " -> " + ", ".join(show_term(t) for t in op.result_types)
    if op.loc is not None:
        text += f" at %{op.loc}"
    return text


def show_rule(r: Rule) -> str:
    lines = [f"rule {r.name} {{", "  match {"]
    lines += [f"    {show_op(op)}" for op in r.match]
    lines.append("  }")
    if r.where is not None:
        lines.append(f"  where {show_term(r.where)}")
    lines.append("  rewrite {")
    lines += [f"    {show_op(op)}" for op in r.build]
    lines.append(f"    replace {', '.join('%' + v for v in r.replace.old)} with "
                 f"{', '.join('%' + v for v in r.replace.new)}")
    lines += ["  }", "}"]
    return "\n".join(lines)


def show(f: RuleFile) -> str:
    return "".join(show_rule(r) + "\n" for r in f.rules)

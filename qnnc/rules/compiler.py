"""Compile a rule file's AST into xDSL rewrite patterns: check, then match → condition → rewrite.

Checking (`check_rule`, before any IR is touched) resolves every op and type name against the
context's dialects and every attribute name against the op's definition, gives each `$variable`
a kind (an integer, when it binds an integer attribute or an integer type parameter; else an
attribute, i.e. any attribute or type) and type-checks the side condition and the built
attributes with those kinds. Every error is a `RuleError` at the offending line and column.

A `RulePattern` (one per rule) is anchored at the rule's root, the last op of `match`. From the
root it walks the use-def chains: an operand named like a result of an earlier pattern must be
produced by an op matching that pattern; any other operand name binds the value (a name used
twice must be the same value). Then the condition is evaluated, the new ops are built (with the
root's location), each is verified, the root's results are replaced, and the matched producers
left without uses are erased. A new op that does not verify, or a replacement whose type
differs from the replaced value's, is a `RuleError` at the rule's position in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import IntAttr, IntegerAttr, IntegerType, Signedness
from xdsl.ir import Attribute, Operation, OpResult, ParametrizedAttribute, SSAValue
from xdsl.irdl import IRDLOperation, OptOperandDef, OptPropertyDef, OptResultDef, VarOperandDef, \
    VarResultDef
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern
from xdsl.utils.exceptions import VerifyException

from qnnc.rules import ast as A
from qnnc.rules.errors import RuleError

INT, BOOL, ATTR = "an integer", "a boolean", "an attribute"
_ARITH = {"+", "-", "*", "/", "mod"}
_ORDER = {"<", "<=", ">", ">="}
_EQUALITY = {"==", "!="}
_LOGIC = {"and", "or"}
_SIGNEDNESS = {"": Signedness.SIGNLESS, "s": Signedness.SIGNED, "u": Signedness.UNSIGNED}


def _int_kind(constr) -> str:
    """INT where a definition's constraint admits only integer attributes, else ATTR."""
    bases = constr.get_bases() if constr is not None else None
    return INT if bases and bases <= {IntegerAttr, IntAttr} else ATTR


def _int_value(attr: Attribute | None) -> int | None:
    if isinstance(attr, IntAttr):
        return attr.data
    if isinstance(attr, IntegerAttr):
        return attr.value.data
    return None


# ---------------------------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------------------------


@dataclass
class _Scope:
    """What a rule has bound so far while it is checked: variables with their kinds, values."""
    kinds: dict[str, str] = field(default_factory=dict)
    values: set[str] = field(default_factory=set)


class _Checker:
    def __init__(self, ctx: Context, path: str):
        self.ctx, self.path = ctx, path

    def error(self, msg: str, node) -> RuleError:
        return RuleError(msg, self.path, getattr(node, "pos", None))

    # -- names
    def op_class(self, op: A.OpStmt) -> type[IRDLOperation]:
        cls = self.ctx.get_optional_op(op.name)
        if cls is None or not issubclass(cls, IRDLOperation):
            raise self.error(f"unknown op '{op.name}'", op)
        return cls

    def attr_kind(self, cls: type[IRDLOperation], entry: A.AttrEntry) -> str:
        """The kind of op attribute or property `entry.key` (a dotted name is a discardable
        attribute of any kind)."""
        d = cls.get_irdl_definition()
        if entry.key in d.properties:
            return _int_kind(d.properties[entry.key].constr)
        if entry.key in d.attributes:
            return _int_kind(d.attributes[entry.key].constr)
        if "." in entry.key:
            return ATTR
        known = ", ".join(sorted({*d.properties, *d.attributes})) or "none"
        raise self.error(f"unknown attribute '{entry.key}' of {cls.name} (it has: {known})",
                         entry)

    def counts(self, cls: type[IRDLOperation], op: A.OpStmt) -> None:
        d = cls.get_irdl_definition()
        for what, defs, n, var in (("operands", d.operands, len(op.operands),
                                    (VarOperandDef, OptOperandDef)),
                                   ("results", d.results, len(op.results),
                                    (VarResultDef, OptResultDef))):
            if not any(isinstance(x, var) for _, x in defs) and n != len(defs):
                raise self.error(f"{cls.name} has {len(defs)} {what}, not {n}", op)
        if op.result_types is not None and len(op.result_types) != len(op.results):
            raise self.error(f"{len(op.results)} results but {len(op.result_types)} result types",
                             op)

    # -- variables
    def bind(self, scope: _Scope, var: A.Var, kind: str) -> None:
        known = scope.kinds.setdefault(var.name, kind)
        if known != kind:
            raise self.error(f"${var.name} is {known} here, but {kind} where it is used again",
                             var)

    # -- patterns
    def pattern(self, scope: _Scope, t: A.Term, kind: str, what: str) -> None:
        """A match term at a position of `kind` (what the position holds)."""
        match t:
            case A.Wild() | A.Absent():
                return
            case A.Var():
                self.bind(scope, t, kind)
            case A.IntLit():
                if kind != INT:
                    raise self.error(f"an integer cannot match {what}, which is {kind}", t)
            case A.IntType() | A.DialectType():
                if kind == INT:
                    raise self.error(f"a type cannot match {what}, which is {kind}", t)
                for p, pkind in zip(t.params if isinstance(t, A.DialectType) else (),
                                    self.type_param_kinds(t)):
                    self.pattern(scope, p, pkind, f"a parameter of !{t.name}")
            case _:
                raise self.error(f"'{A.show_term(t)}' cannot be a pattern", t)

    def type_param_kinds(self, t: A.IntType | A.DialectType) -> list[str]:
        if isinstance(t, A.IntType):
            if t.width < 1:
                raise self.error("an integer type needs a positive width", t)
            return []
        cls = self.ctx.get_optional_type(t.name)
        if cls is None or not issubclass(cls, ParametrizedAttribute):
            raise self.error(f"unknown type '!{t.name}'", t)
        params = cls.get_irdl_definition().parameters
        if len(params) != len(t.params):
            raise self.error(f"!{t.name} has {len(params)} parameters, not {len(t.params)}", t)
        return [_int_kind(p.constr) for _, p in params]

    def match_op(self, scope: _Scope, op: A.OpStmt, defined_later: set[str]) -> None:
        cls = self.op_class(op)
        self.counts(cls, op)
        for o in op.operands:
            if o.name in defined_later:
                raise self.error(f"%{o.name} is used before the op that defines it (match "
                                 f"lists producers before their users; the last op is the root)",
                                 o)
            scope.values.add(o.name)
            if o.type is not None:
                self.pattern(scope, o.type, ATTR, f"the type of %{o.name}")
        d = cls.get_irdl_definition()
        for e in op.attrs:
            kind = self.attr_kind(cls, e)
            p = d.properties.get(e.key)
            if isinstance(e.value, A.Absent) and p is not None and not isinstance(
                    p, OptPropertyDef):
                raise self.error(f"'{e.key}' is required by {cls.name}: it is never absent",
                                 e.value)
            self.pattern(scope, e.value, kind, f"'{e.key}'")
        for t in op.result_types or ():
            self.pattern(scope, t, ATTR, "a result type")
        for r in op.results:
            if r in scope.values:
                raise self.error(f"%{r} is defined twice", op)
            scope.values.add(r)

    # -- expressions
    def kind(self, scope: _Scope, t: A.Term) -> str:
        match t:
            case A.IntLit():
                return INT
            case A.BoolLit():
                return BOOL
            case A.Var(name):
                if name not in scope.kinds:
                    raise self.error(f"${name} is not bound by the match", t)
                return scope.kinds[name]
            case A.UnOp("-", x):
                return self.need(scope, x, INT, "'-'") and INT
            case A.UnOp("not", x):
                return self.need(scope, x, BOOL, "'not'") and BOOL
            case A.BinOp(op, lhs, rhs) if op in _ARITH:
                self.need(scope, lhs, INT, f"'{op}'")
                self.need(scope, rhs, INT, f"'{op}'")
                return INT
            case A.BinOp(op, lhs, rhs) if op in _ORDER:
                self.need(scope, lhs, INT, f"'{op}'")
                self.need(scope, rhs, INT, f"'{op}'")
                return BOOL
            case A.BinOp(op, lhs, rhs) if op in _EQUALITY:
                k = self.kind(scope, lhs)
                self.need(scope, rhs, k, f"'{op}' with {k} on the left")
                return BOOL
            case A.BinOp(op, lhs, rhs) if op in _LOGIC:
                self.need(scope, lhs, BOOL, f"'{op}'")
                self.need(scope, rhs, BOOL, f"'{op}'")
                return BOOL
            case A.Call("uses", args):
                if len(args) != 1 or not isinstance(args[0], A.ValueRef):
                    raise self.error("uses() takes one value: uses(%v)", t)
                if args[0].name not in scope.values:
                    raise self.error(f"%{args[0].name} is not bound by the match", args[0])
                return INT
            case A.Call(fn, args):
                if not args:
                    raise self.error(f"{fn}() needs at least one argument", t)
                for a in args:
                    self.need(scope, a, INT, f"{fn}()")
                return INT
            case A.ValueRef():
                raise self.error("a value can only be the argument of uses()", t)
            case A.IntType() | A.DialectType():
                for p, pkind in zip(t.params if isinstance(t, A.DialectType) else (),
                                    self.type_param_kinds(t)):
                    self.need(scope, p, pkind, f"a parameter of !{t.name}")
                return ATTR
        raise self.error(f"'{A.show_term(t)}' cannot be used here", t)

    def need(self, scope: _Scope, t: A.Term, kind: str, what: str) -> bool:
        got = self.kind(scope, t)
        if got != kind:
            raise self.error(f"type error: {what} needs {kind}, but {A.show_term(t)} is {got}",
                             t)
        return True

    def build_op(self, scope: _Scope, op: A.OpStmt) -> None:
        cls = self.op_class(op)
        self.counts(cls, op)
        for o in op.operands:
            if o.name not in scope.values:
                raise self.error(f"%{o.name} is not bound by the match or an earlier new op", o)
        given = {e.key for e in op.attrs}
        for e in op.attrs:
            self.need(scope, e.value, self.attr_kind(cls, e), f"'{e.key}'")
        d = cls.get_irdl_definition()
        missing = [k for k, p in d.properties.items()
                   if k not in given and not isinstance(p, OptPropertyDef)
                   and getattr(p, "default_value", None) is None]
        missing += [k for k, a in d.attributes.items()
                    if k not in given and not a.__class__.__name__.startswith("Opt")
                    and getattr(a, "default_value", None) is None]
        if missing:
            raise self.error(f"{cls.name} needs {', '.join(missing)}", op)
        for t in op.result_types or ():
            self.need(scope, t, ATTR, "a result type")
        if op.loc is not None and op.loc not in self.match_results:
            raise self.error(f"'at %{op.loc}': %{op.loc} is not a result of a matched op", op)
        for r in op.results:
            if r in scope.values:
                raise self.error(f"%{r} is defined twice", op)
            scope.values.add(r)

    def rule(self, rule: A.Rule) -> "CheckedRule":
        scope = _Scope()
        defined = [set(op.results) for op in rule.match]
        self.match_results = set().union(*defined)
        for i, op in enumerate(rule.match):
            self.match_op(scope, op, set().union(*defined[i:]))
        for i, op in enumerate(rule.match[:-1]):
            used_later = {o.name for later in rule.match[i + 1:] for o in later.operands}
            if not used_later & set(op.results):
                raise self.error(f"{op.name} is not connected to the root (the last op of "
                                 f"match): none of its results is an operand of a later op", op)
        if rule.where is not None:
            self.need(scope, rule.where, BOOL, "the condition")
        for op in rule.build:
            self.build_op(scope, op)
        root = rule.match[-1]
        rep = rule.replace
        if rep.old != root.results:
            raise self.error(f"replace names the root's results: replace "
                             f"{', '.join('%' + r for r in root.results)} with ...", rep)
        if len(rep.new) != len(rep.old):
            raise self.error(f"{len(rep.old)} values replaced by {len(rep.new)}", rep)
        for v in rep.new:
            if v not in scope.values:
                raise self.error(f"%{v} is not bound", rep)
            if v in rep.old:
                raise self.error(f"%{v} cannot replace itself", rep)
        return CheckedRule(rule, self.path, scope.kinds)


@dataclass(frozen=True)
class CheckedRule:
    rule: A.Rule
    path: str
    kinds: dict[str, str]


# ---------------------------------------------------------------------------------------------
# Matching, conditions, rewriting
# ---------------------------------------------------------------------------------------------


class _NoMatch(Exception):
    pass


@dataclass
class _Env:
    ops: dict[int, Operation] = field(default_factory=dict)
    values: dict[str, SSAValue] = field(default_factory=dict)
    attrs: dict[str, Attribute] = field(default_factory=dict)  # the attribute a variable bound
    ints: dict[str, int] = field(default_factory=dict)         # its value, for integer variables


class RulePattern(RewritePattern):
    """One rule as an xDSL rewrite pattern."""

    def __init__(self, checked: CheckedRule, ctx: Context):
        self.checked, self.rule, self.ctx = checked, checked.rule, ctx
        self.producer = {r: (i, k) for i, op in enumerate(self.rule.match)
                         for k, r in enumerate(op.results)}

    def error(self, msg: str, node) -> RuleError:
        return RuleError(f"rule '{self.rule.name}': {msg}", self.checked.path, node.pos)

    # -- match
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        root = self.rule.match[-1]
        if op.name != root.name:
            return
        env = _Env()
        try:
            self.match_op(len(self.rule.match) - 1, op, env)
            if self.rule.where is not None and not self.eval(self.rule.where, env):
                return
        except _NoMatch:
            return
        self.rewrite(op, env, rewriter)

    def match_op(self, i: int, op: Operation, env: _Env) -> None:
        pat = self.rule.match[i]
        if i in env.ops:
            if env.ops[i] is not op:
                raise _NoMatch
            return
        if op.name != pat.name or len(op.results) != len(pat.results) or \
                len(op.operands) != len(pat.operands):
            raise _NoMatch
        if any(op is other for other in env.ops.values()):
            raise _NoMatch  # two patterns never match one op
        env.ops[i] = op
        for name, v in zip(pat.results, op.results):
            self.bind_value(name, v, env)
        for t, v in zip(pat.result_types or (), op.results):
            self.match_term(t, v.type, env)
        for e in pat.attrs:
            attr = op.properties.get(e.key, op.attributes.get(e.key))
            self.match_term(e.value, attr, env)
        for o, v in zip(pat.operands, op.operands):
            if o.type is not None:
                self.match_term(o.type, v.type, env)
            if o.name in self.producer:
                j, k = self.producer[o.name]
                if not isinstance(v, OpResult) or v.index != k:
                    raise _NoMatch
                self.match_op(j, v.op, env)
            self.bind_value(o.name, v, env)

    @staticmethod
    def bind_value(name: str, v: SSAValue, env: _Env) -> None:
        if env.values.setdefault(name, v) is not v:
            raise _NoMatch

    def match_term(self, t: A.Term, attr: Attribute | None, env: _Env) -> None:
        if isinstance(t, A.Absent):
            if attr is not None:
                raise _NoMatch
            return
        if attr is None:
            raise _NoMatch
        match t:
            case A.Wild():
                return
            case A.Var(name):
                if self.checked.kinds[name] == INT:
                    value = _int_value(attr)
                    if value is None or env.ints.setdefault(name, value) != value:
                        raise _NoMatch
                    env.attrs.setdefault(name, attr)
                elif env.attrs.setdefault(name, attr) != attr:
                    raise _NoMatch
            case A.IntLit(value):
                if _int_value(attr) != value:
                    raise _NoMatch
            case A.IntType(sign, width):
                if not (isinstance(attr, IntegerType) and attr.width.data == width
                        and attr.signedness.data == _SIGNEDNESS[sign]):
                    raise _NoMatch
            case A.DialectType(name, params):
                if not (isinstance(attr, ParametrizedAttribute) and attr.name == name
                        and len(attr.parameters) == len(params)):
                    raise _NoMatch
                for p, a in zip(params, attr.parameters):
                    self.match_term(p, a, env)

    # -- conditions
    def eval(self, t: A.Term, env: _Env):
        match t:
            case A.IntLit(v) | A.BoolLit(v):
                return v
            case A.Var(name):
                return env.ints[name] if self.checked.kinds[name] == INT else env.attrs[name]
            case A.UnOp("-", x):
                return -self.eval(x, env)
            case A.UnOp("not", x):
                return not self.eval(x, env)
            case A.BinOp("and", a, b):
                return self.eval(a, env) and self.eval(b, env)
            case A.BinOp("or", a, b):
                return self.eval(a, env) or self.eval(b, env)
            case A.BinOp(op, a, b):
                x, y = self.eval(a, env), self.eval(b, env)
                if op in ("/", "mod") and y == 0:
                    raise _NoMatch  # documented: a division by zero makes the rule not apply
                return {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
                        "/": lambda: x // y, "mod": lambda: x % y, "==": lambda: x == y,
                        "!=": lambda: x != y, "<": lambda: x < y, "<=": lambda: x <= y,
                        ">": lambda: x > y, ">=": lambda: x >= y}[op]()
            case A.Call("uses", (A.ValueRef(name),)):
                return sum(1 for _ in env.values[name].uses)
            case A.Call(fn, args):
                return (min if fn == "min" else max)(self.eval(a, env) for a in args)
            case A.IntType(sign, width):
                return IntegerType(width, _SIGNEDNESS[sign])
            case A.DialectType(name, params):
                return self.build_type(t, env)
        raise AssertionError(t)

    # -- rewrite
    def build_type(self, t: A.DialectType, env: _Env) -> Attribute:
        cls = self.ctx.get_type(t.name)
        params = []
        for p, (_, pdef) in zip(t.params, cls.get_irdl_definition().parameters):
            v = self.eval(p, env)
            if isinstance(v, int):
                v = IntAttr(v) if _int_kind(pdef.constr) == INT and IntAttr in \
                    pdef.constr.get_bases() else IntegerAttr(v, 64)
            params.append(v)
        try:
            return cls.new(params)
        except (VerifyException, ValueError, TypeError) as e:
            raise self.error(f"the type {A.show_term(t)} is invalid here: {e}", t) from None

    def attr_value(self, t: A.Term, env: _Env) -> Attribute:
        if isinstance(t, A.Var) and t.name in env.attrs and self.checked.kinds[t.name] == INT \
                and isinstance(env.attrs[t.name], IntegerAttr):
            return env.attrs[t.name]  # keep the bound integer attribute's own type
        v = self.eval(t, env)
        if isinstance(v, bool) or not isinstance(v, int):
            return v
        return IntegerAttr(v, 64)

    def rewrite(self, root: Operation, env: _Env, rewriter: PatternRewriter) -> None:
        built: list[Operation] = []
        for b in self.rule.build:
            cls = self.ctx.get_op(b.name)
            d = cls.get_irdl_definition()
            props, attrs = {}, {}
            try:
                for e in b.attrs:
                    (props if e.key in d.properties else attrs)[e.key] = \
                        self.attr_value(e.value, env)
                types = [self.eval(t, env) for t in b.result_types or ()]
                new = cls.create(operands=[env.values[o.name] for o in b.operands],
                                 result_types=types, properties=props, attributes=attrs)
                new.location = (root if b.loc is None else env.values[b.loc].owner).location
                new.verify()
            except (VerifyException, ValueError, TypeError) as e:
                raise self.error(f"the new {b.name} does not verify: {e}", b) from None
            for name, v in zip(b.results, new.results):
                env.values[name] = v
            built.append(new)
        rep = self.rule.replace
        new_values = [env.values[v] for v in rep.new]
        for old, new_v, name in zip(root.results, new_values, rep.new):
            if old.type != new_v.type:
                raise self.error(f"%{name} has type {new_v.type}, but the value it replaces has "
                                 f"type {old.type}", rep)
        matched = [env.ops[i] for i in sorted(env.ops) if env.ops[i] is not root]
        rewriter.replace(root, built, new_values)
        for op in reversed(matched):  # producers the rewrite left unused
            if op.parent is not None and not any(True for r in op.results for _ in r.uses):
                rewriter.erase(op)


def compile_rules(f: A.RuleFile, ctx: Context, path: str) -> list[RulePattern]:
    """One checked pattern per rule, in file order (the order they are tried in)."""
    checker = _Checker(ctx, path)
    seen: dict[str, A.Rule] = {}
    patterns = []
    for rule in f.rules:
        if rule.name in seen:
            raise checker.error(f"rule '{rule.name}' is defined twice (first at line "
                                f"{seen[rule.name].pos.line})", rule)
        seen[rule.name] = rule
        patterns.append(RulePattern(checker.rule(rule), ctx))
    return patterns


def load_rules(path: str, ctx: Context) -> list[RulePattern]:
    """Parse, check and compile the rule file at `path`."""
    from qnnc.rules.parser import parse_file

    return compile_rules(parse_file(path), ctx, str(path))

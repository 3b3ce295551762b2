"""The rule language (qnnc/rules, docs/rules.md): the parser round-trips every valid rule and
puts errors where they are; the checker rejects unknown names and ill-typed conditions at their
line and column; the example rules (examples/rules/) keep the dataflow IR's meaning, checked by
interpreting random units on random inputs before and after; `qnnc --rules` applies a file in
the dataflow stage."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qnnc.ir import make_context, parse_module, run_function
from qnnc.rules import RuleError
from qnnc.rules import ast as A
from qnnc.rules.compiler import compile_rules
from qnnc.rules.parser import parse_file, parse_rules

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "rules"
FUSE = EXAMPLES / "fuse-threshold-into-mvau.qrr"
DROP = EXAMPLES / "drop-redundant-converters.qrr"

# ---------------------------------------------------------------------------------------------
# Parser: round trip of generated ASTs
# ---------------------------------------------------------------------------------------------

KEYWORDS = {"rule", "match", "where", "rewrite", "replace", "with", "absent", "and", "or", "not",
            "true", "false", "mod", "at", "uses", "min", "max"}
ident = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS and not re.fullmatch(r"[su]?i[0-9]+", s))
dotted = st.builds(lambda a, b: f"{a}.{b}", ident, ident)
ints = st.integers(-1000, 1000)
int_types = st.builds(A.IntType, st.sampled_from(["", "s", "u"]), st.integers(1, 64))

patterns = st.recursive(
    st.one_of(st.builds(A.Var, ident), st.just(A.Wild()), st.builds(A.IntLit, ints), int_types,
              st.builds(A.DialectType, dotted)),
    lambda inner: st.builds(A.DialectType, dotted, st.lists(inner, max_size=3).map(tuple)),
    max_leaves=6)


def _not_literal(t):
    return not isinstance(t, A.IntLit)


exprs = st.recursive(
    st.one_of(st.builds(A.IntLit, ints), st.builds(A.BoolLit, st.booleans()),
              st.builds(A.Var, ident),
              st.builds(A.Call, st.just("uses"), st.builds(A.ValueRef, ident).map(lambda v: (v,)))),
    lambda e: st.one_of(
        st.builds(A.BinOp, st.sampled_from(["+", "-", "*", "/", "mod", "==", "!=", "<", "<=",
                                            ">", ">=", "and", "or"]), e, e),
        st.builds(A.UnOp, st.just("-"), e.filter(_not_literal)),
        st.builds(A.UnOp, st.just("not"), e),
        st.builds(A.Call, st.sampled_from(["min", "max"]), st.lists(e, min_size=1,
                                                                      max_size=3).map(tuple))),
    max_leaves=8)
btypes = st.recursive(
    st.one_of(int_types, st.builds(A.DialectType, dotted)),
    lambda inner: st.builds(A.DialectType, dotted,
                            st.lists(st.one_of(inner, exprs), max_size=3).map(tuple)),
    max_leaves=5)
results = st.lists(ident, min_size=1, max_size=3).map(tuple)

match_ops = st.builds(
    A.OpStmt, results, dotted,
    st.lists(st.builds(A.Operand, ident, st.one_of(st.none(), patterns)), max_size=3).map(tuple),
    st.lists(st.builds(A.AttrEntry, st.one_of(ident, dotted),
                       st.one_of(patterns, st.just(A.Absent()))), max_size=3).map(tuple),
    st.one_of(st.none(), st.lists(patterns, min_size=1, max_size=2).map(tuple)))
build_ops = st.builds(
    A.OpStmt, results, dotted,
    st.lists(st.builds(A.Operand, ident), max_size=3).map(tuple),
    st.lists(st.builds(A.AttrEntry, ident, st.one_of(exprs, btypes)), max_size=3).map(tuple),
    st.lists(st.one_of(btypes, st.builds(A.Var, ident)), min_size=1, max_size=2).map(tuple),
    st.one_of(st.none(), ident))
rules = st.builds(
    A.Rule, st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True).filter(
        lambda s: s not in KEYWORDS and not re.fullmatch(r"[su]?i[0-9]+", s)),
    st.lists(match_ops, min_size=1, max_size=3).map(tuple), st.one_of(st.none(), exprs),
    st.lists(build_ops, max_size=2).map(tuple),
    st.builds(A.Replace, results, results))
rule_files = st.builds(A.RuleFile, st.lists(rules, max_size=3).map(tuple))


@settings(max_examples=60, deadline=None)
@given(rule_files)
def test_parse_show_round_trip(f: A.RuleFile) -> None:
    text = A.show(f)
    assert parse_rules(text) == f, text


@pytest.mark.parametrize("path", [FUSE, DROP], ids=lambda p: p.name)
def test_examples_round_trip(path: Path) -> None:
    f = parse_file(path)
    assert f.rules and parse_rules(A.show(f)) == f


def test_precedence() -> None:
    (r,) = parse_rules("rule r { match { %y = a.b(%x) {k = $a} } "
                       "where not $a + 1 * 2 < 3 or $a == 0 and true "
                       "rewrite { replace %y with %x } }").rules
    assert A.show_term(r.where) == "((not (($a + (1 * 2)) < 3)) or (($a == 0) and true))"


# ---------------------------------------------------------------------------------------------
# Parser: errors at their position
# ---------------------------------------------------------------------------------------------

SYNTAX_ERRORS = [
    ("rule x {", 1, 9, "unexpected end of file; expected 'match'"),
    ("rule 1x {}", 1, 6, "expected a rule name"),
    ("rule x {\n  match {\n    %y = dwc(%x)\n  }\n}", 3, 10, "expected an op name"),
    ("rule x {\n  match { %y = a.b(%x) }\n  rewrite { }\n}", 3, 13, "expected"),
    ("rule x { match { %y = a.b(%x) {k = $a + 1} } rewrite { replace %y with %x } }", 1, 39,
     "unexpected '+'"),
    ("rule x { match { %y = a.b(%x) } where $a = 1 rewrite { replace %y with %x } }", 1, 42,
     "unexpected '='"),
    ("rule x {\n  match { %y = a.b(%x) }\n  rewrite { %z = a.c(%x) replace %y with %z }\n}", 3, 26,
     "expected one of '->', '{'"),
    ("rule x { match { %y = a.b(%x) } rewrite { replace %y with %x } } #", 1, 66,
     "unexpected character '#'"),
]


@pytest.mark.parametrize("text,line,col,msg", SYNTAX_ERRORS)
def test_syntax_error_position(text: str, line: int, col: int, msg: str) -> None:
    with pytest.raises(RuleError) as e:
        parse_rules(text, "f.qrr")
    assert (e.value.pos.line, e.value.pos.col) == (line, col), str(e.value)
    assert str(e.value).startswith(f"error: f.qrr:{line}:{col}: ")
    assert msg in str(e.value)


# ---------------------------------------------------------------------------------------------
# Checker: names and types
# ---------------------------------------------------------------------------------------------


def _rule(match: str, rewrite: str = "replace %y with %x", where: str = "") -> str:
    return (f"rule r {{\n  match {{\n    {match}\n  }}\n"
            + (f"  where {where}\n" if where else "")
            + f"  rewrite {{\n    {rewrite}\n  }}\n}}\n")


CHECK_ERRORS = [
    (_rule("%y = dataflow.dwx(%x)"), 3, 5, "unknown op 'dataflow.dwx'"),
    (_rule("%y = dataflow.fifo(%x) {deep = $d}"), 3, 29, "unknown attribute 'deep' of "
     "dataflow.fifo (it has: depth)"),
    (_rule("%y = dataflow.fifo(%x : !dataflow.strem<_, _, _>)"), 3, 29, "unknown type "
     "'!dataflow.strem'"),
    (_rule("%y = dataflow.fifo(%x : !dataflow.stream<_, _>)"), 3, 29, "has 3 parameters"),
    (_rule("%y = dataflow.fifo(%x) {depth = $d}", where="$d + 1"), 5, 9,
     "the condition needs a boolean"),
    (_rule("%y = dataflow.fifo(%x) -> $t", where="$t < 3"), 5, 9,
     "type error: '<' needs an integer, but $t is an attribute"),
    (_rule("%y = dataflow.fifo(%x) {depth = $d}", where="$d == 2 and $e > 1"), 5, 21,
     "$e is not bound by the match"),
    (_rule("%y = dataflow.fifo(%x) {depth = $d} -> !dataflow.stream<$d, _, _>"), 3, 61,
     "$d is an integer here, but an attribute"),
    (_rule("%y = dataflow.fifo(%x) {depth = absent}"), 3, 37, "'depth' is required"),
    (_rule("%y = dataflow.fifo(%x) -> $t",
           "%z = dataflow.fifo(%x) -> $t\n    replace %y with %z"), 6, 5,
     "dataflow.fifo needs depth"),
    (_rule("%y = dataflow.fifo(%x) -> $t",
           "%z = dataflow.fifo(%x) {depth = $t} -> $t\n    replace %y with %z"), 6, 37,
     "'depth' needs an integer, but $t is an attribute"),
    (_rule("%y = dataflow.fifo(%x)", "replace %x with %y"), 6, 5, "replace names the root's"),
    (_rule("%m = dataflow.fifo(%x)\n    %y = dataflow.fifo(%x)"), 3, 5, "not connected to the "
     "root"),
    (_rule("%y = dataflow.fifo(%x, %w)"), 3, 5, "dataflow.fifo has 1 operands, not 2"),
    (_rule("%y = dataflow.fifo(%x)", where="uses($y) == 1"), 5, 9, "uses() takes one value"),
    (_rule("%y = dataflow.fifo(%x)") + _rule("%y = dataflow.fifo(%x)"), 9, 1,
     "rule 'r' is defined twice"),
]


@pytest.mark.parametrize("text,line,col,msg", CHECK_ERRORS)
def test_check_error_position(text: str, line: int, col: int, msg: str) -> None:
    with pytest.raises(RuleError) as e:
        compile_rules(parse_rules(text, "f.qrr"), make_context(), "f.qrr")
    assert str(e.value).startswith(f"error: f.qrr:{line}:{col}: "), str(e.value)
    assert msg in str(e.value)


@pytest.mark.parametrize("path", [FUSE, DROP], ids=lambda p: p.name)
def test_examples_check(path: Path) -> None:
    assert compile_rules(parse_file(path), make_context(), str(path))


# ---------------------------------------------------------------------------------------------
# Semantics: the example rules on random units, interpreted before and after
# ---------------------------------------------------------------------------------------------


def _dense(a: np.ndarray, elem: str) -> str:
    return f"dense<{json.dumps(a.tolist())}> : tensor<{'x'.join(map(str, a.shape))}x{elem}>"


def _mvau_threshold_ir(rng: np.random.Generator, fifo: bool, dwc: bool) -> str:
    """to_stream → MVAU (no activation) → [fifo] [identity dwc] → threshold → from_stream,
    random sizes, folding, weights and thresholds (within the si8 accumulator)."""
    mw, mh = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    v = int(rng.integers(1, 3))  # vectors per frame
    pe = int(rng.choice([d for d in range(1, mh + 1) if mh % d == 0]))
    simd = int(rng.choice([d for d in range(1, mw + 1) if mw % d == 0]))
    w = rng.integers(-1, 2, size=(mw, mh))
    k = 3
    t = np.sort(rng.integers(-12, 13, size=(mh, k)), axis=1)
    desc = rng.integers(0, 2, size=mh)
    t[desc == 1] = t[desc == 1][:, ::-1]
    n_in, n_out = v * mw, v * mh
    acc = f"!dataflow.stream<si8, {n_out}, {pe}>"
    out = f"!dataflow.stream<ui2, {n_out}, {pe}>"
    lines = [
        f"func.func @core(%x: tensor<1x{n_in}xsi2>) -> tensor<1x{n_out}xui2> {{",
        f"  %s = dataflow.to_stream %x : tensor<1x{n_in}xsi2> -> !dataflow.stream<si2, {n_in}, {simd}>",
        f"  %a = dataflow.mvau %s {{weights = {_dense(w, 'si2')}, weight_type = si2, "
        f"acc_type = si8, pe = {pe} : i64, simd = {simd} : i64}} : "
        f"!dataflow.stream<si2, {n_in}, {simd}> -> {acc}"]
    src = "%a"
    if fifo:
        lines.append(f"  %q = dataflow.fifo {src} {{depth = 2 : i64}} : {acc} -> {acc}")
        src = "%q"
    if dwc:
        lines.append(f"  %d = dataflow.dwc {src} : {acc} -> {acc}")
        src = "%d"
    lines += [
        f"  %t = dataflow.threshold {src} {{thresholds = {_dense(t, 'si8')}, descending = "
        f"{_dense(desc, 'ui1')}, out_bias = 0 : i64, pe = {pe} : i64}} : {acc} -> {out}",
        f"  %r = dataflow.from_stream %t : {out} -> tensor<1x{n_out}xui2>",
        f"  func.return %r : tensor<1x{n_out}xui2>", "}"]
    return "\n".join(lines), n_in


def _apply(module, *paths: Path) -> None:
    from qnnc.lowering.apply_rules import ApplyRulesPass

    ctx = make_context()
    for p in paths:
        ApplyRulesPass(file=str(p)).apply(ctx, module)
    module.verify()


@pytest.mark.parametrize("seed", range(12))
def test_fuse_and_drop_keep_meaning(seed: int) -> None:
    rng = np.random.default_rng(seed)
    fifo, dwc = bool(seed & 1), bool(seed & 2)
    text, n_in = _mvau_threshold_ir(rng, fifo, dwc)
    module = parse_module(text)
    xs = rng.integers(-2, 2, size=(16, 1, n_in))
    before = [run_function(module, "core", [x])[0] for x in xs]
    _apply(module, DROP, FUSE)
    names = [op.name for op in module.walk()]
    assert "dataflow.threshold" not in names and "dataflow.dwc" not in names, names
    assert names.count("dataflow.mvau") == 1 and names.count("dataflow.fifo") == int(fifo)
    after = [run_function(module, "core", [x])[0] for x in xs]
    np.testing.assert_array_equal(np.array(before), np.array(after))


def test_fuse_skips_a_shared_accumulator() -> None:
    text, _ = _mvau_threshold_ir(np.random.default_rng(0), False, False)
    text = text.replace("func.return %r", "func.return %r").replace(
        "  %r = dataflow.from_stream %t",
        "  %u = dataflow.from_stream %a : " + re.search(r"-> (!dataflow.stream<si8[^>]*>)",
                                                         text).group(1)
        + " -> tensor<1x" + re.search(r"tensor<1x(\d+)xui2>", text).group(1) + "xsi8>\n"
        "  %r = dataflow.from_stream %t")
    module = parse_module(text)
    _apply(module, FUSE)
    assert "dataflow.threshold" in [op.name for op in module.walk()]


# ---------------------------------------------------------------------------------------------
# qnnc --rules
# ---------------------------------------------------------------------------------------------


def test_qnnc_rules_in_the_dataflow_stage(tmp_path: Path, capsys) -> None:
    from qnnc.cli import main

    deeper = tmp_path / "deeper.qrr"
    deeper.write_text(_rule("%y = dataflow.fifo(%x) {depth = $d} -> $t",
                            "%z = dataflow.fifo(%x) {depth = $d * 4} -> $t\n"
                            "    replace %y with %z", where="$d < 8"))
    model = ROOT / "tests" / "models" / "tfc_2w2a_zoo" / "model.onnx"
    assert main([str(model), "-o", str(tmp_path / "a"), "--emit", "dataflow"]) == 0
    assert main([str(model), "-o", str(tmp_path / "b"), "--emit", "dataflow",
                 "--rules", str(deeper)]) == 0
    depths = [[int(d) for d in re.findall(r"dataflow.fifo %\S+ \{depth = (\d+)",
                                           (tmp_path / o / "ir" / "02-dataflow.mlir").read_text())]
              for o in ("a", "b")]
    assert depths[0] and depths[1] == [d * 4 if d < 8 else d for d in depths[0]]
    # the report is made after the rules: it sees the deeper FIFOs
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert sorted(f["depth"] for f in report["fifos_and_width_converters"]
                  if f["op"] == "dataflow.fifo") == sorted(depths[1])

    bad = tmp_path / "bad.qrr"
    bad.write_text(_rule("%y = dataflow.fifo(%x) {depth = $d}", where="$d and 1"))
    capsys.readouterr()
    assert main([str(model), "-o", str(tmp_path / "c"), "--rules", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {bad}:5:9: type error: 'and' needs a boolean, but $d is an integer\n"
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("match,rewrite,msg", [
    ("%y = dataflow.fifo(%x) {depth = $d} -> $t",
     "%z = dataflow.fifo(%x) {depth = $d * 1000000000000000000000} -> $t\n    replace %y with %z",
     "rule 'r': the new dataflow.fifo does not verify"),
    ("%y = dataflow.threshold(%x)", "replace %y with %x",
     "rule 'r': %x has type !dataflow.stream<si8, "),
])
def test_rewrite_errors(tmp_path: Path, match: str, rewrite: str, msg: str) -> None:
    """Errors only a rewrite shows are reported at the rule's line and column when it fires."""
    text, _ = _mvau_threshold_ir(np.random.default_rng(1), True, False)
    rules = tmp_path / "r.qrr"
    rules.write_text(_rule(match, rewrite))
    with pytest.raises(RuleError) as e:
        _apply(parse_module(text), rules)
    assert str(e.value).startswith(f"error: {rules}:6:5: ") and msg in str(e.value), str(e.value)

"""The registry (`qnnc.universe`) and the layout agree (style-and-architecture.md §6-§8):

* pass: registry key == class `.name`; class name == CamelCase(key) + "Pass"; the class lives in
  `qnnc.lowering.<key_with_underscores>` (file `lowering/<key_with_underscores>.py`); its
  FileCheck test is `tests/filecheck/lowering/<key>.mlir`;
* dialect: registry key == `Dialect.name`; it has `tests/filecheck/dialects/<name>/<name>_ops.mlir`
  and `<name>_invalid.mlir`.

And conversely: every pass file and every pass test belongs to a registered pass.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from xdsl.ir import Dialect
from xdsl.passes import ModulePass

from qnnc.universe import all_dialects, all_passes, backend_passes

ROOT = Path(__file__).resolve().parents[2]
FILECHECK = ROOT / "tests" / "filecheck"
PASSES = all_passes()
DIALECTS = all_dialects()


def camel_case(key: str) -> str:
    """`convert-quant-to-dataflow` → `ConvertQuantToDataflow`."""
    return "".join(part[:1].upper() + part[1:] for part in key.split("-"))


def module_name(key: str) -> str:
    return key.replace("-", "_")


def test_registry_is_not_empty() -> None:
    assert PASSES and DIALECTS


@pytest.mark.parametrize("key", sorted(PASSES))
def test_pass_name_matches_registry_key(key: str) -> None:
    cls = PASSES[key]()
    assert isinstance(cls, type) and issubclass(cls, ModulePass), cls
    assert cls.name == key


@pytest.mark.parametrize("key", sorted(PASSES))
def test_pass_class_name(key: str) -> None:
    assert PASSES[key]().__name__ == camel_case(key) + "Pass"


@pytest.mark.parametrize("key", sorted(PASSES))
def test_pass_module_and_file(key: str) -> None:
    cls = PASSES[key]()
    expected = f"qnnc.lowering.{module_name(key)}"
    assert cls.__module__ == expected
    source = Path(importlib.import_module(expected).__file__).resolve()
    assert source.name == f"{module_name(key)}.py"
    assert source.parent.name == "lowering"
    assert (ROOT / "lowering" / f"{module_name(key)}.py").is_file()


@pytest.mark.parametrize("key", sorted(PASSES))
def test_pass_has_filecheck_test(key: str) -> None:
    test = FILECHECK / "lowering" / f"{key}.mlir"
    assert test.is_file(), f"missing FileCheck test {test.relative_to(ROOT)}"
    assert f"-p {key}" in test.read_text() or f"-p '{key}" in test.read_text(), \
        f"{test.relative_to(ROOT)} never runs -p {key}"


BACKEND_PASSES = backend_passes()


@pytest.mark.parametrize("key", sorted(BACKEND_PASSES))
def test_backend_prepare_pass_layout(key: str) -> None:
    """A backend's prepare step: same naming rules, but it lives in its backend's folder and its
    FileCheck test under tests/filecheck/backends/."""
    cls = BACKEND_PASSES[key]()
    assert cls.name == key and cls.__name__ == camel_case(key) + "Pass"
    package, module = cls.__module__.rsplit(".", 1)
    assert package.startswith("qnnc.backends.") and module == module_name(key)
    assert (ROOT / "backends" / package.split(".")[-1] / f"{module}.py").is_file()
    test = FILECHECK / "backends" / f"{key}.mlir"
    assert test.is_file() and f"-p {key}" in test.read_text()
    assert key not in PASSES


def test_every_pass_file_is_registered() -> None:
    files = {p.stem for p in (ROOT / "lowering").glob("*.py") if p.stem != "__init__"}
    assert files == {module_name(k) for k in PASSES}


def test_every_pass_test_is_a_registered_pass() -> None:
    tests = {p.stem for p in (FILECHECK / "lowering").glob("*.mlir")}
    assert tests <= set(PASSES), f"tests without a pass: {sorted(tests - set(PASSES))}"


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_dialect_name_matches_registry_key(name: str) -> None:
    dialect = DIALECTS[name]()
    assert isinstance(dialect, Dialect)
    assert dialect.name == name


@pytest.mark.parametrize("name", sorted(DIALECTS))
@pytest.mark.parametrize("suffix", ["ops", "invalid"])
def test_dialect_has_filecheck_tests(name: str, suffix: str) -> None:
    test = FILECHECK / "dialects" / name / f"{name}_{suffix}.mlir"
    assert test.is_file(), f"missing FileCheck test {test.relative_to(ROOT)}"


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_dialect_ops_test_covers_every_op(name: str) -> None:
    """Every op of the dialect appears in its round-trip test."""
    text = (FILECHECK / "dialects" / name / f"{name}_ops.mlir").read_text()
    missing = [op.name for op in DIALECTS[name]().operations if f"{op.name} " not in text]
    assert not missing, f"{name}_ops.mlir does not exercise {missing}"


def test_qnnc_opt_registers_everything() -> None:
    from qnnc.opt import QnncOptMain

    tool = QnncOptMain(args=[])
    assert set(PASSES) <= set(tool.available_passes)
    assert "verilog" in tool.available_targets
    assert set(DIALECTS) <= set(tool.ctx.registered_dialect_names)

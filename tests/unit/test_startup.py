"""Start-up of the `qnnc` command: what it imports (never how long it takes) and `--time-passes`.

Each check runs a fresh interpreter and reads its `sys.modules`: the argument parser (`--help`)
needs no compiler, and a compile loads neither the simulators, nor `--verify`, nor xDSL's
upstream interpreters, nor onnxruntime when nothing calls it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

MODELS = Path(__file__).resolve().parents[1] / "models"

NEVER_AT_START = ("onnxruntime", "qonnx.core.onnx_exec", "qonnx", "onnx", "numpy",
                  "xdsl.dialects.builtin", "xdsl.interpreters", "qnnc.driver", "qnnc.verify",
                  "qnnc.backends.sim", "qnnc.backends.sim.verilator")
"""Modules `import qnnc.cli` and `qnnc --help` must not load."""

NEVER_IN_A_COMPILE = ("xdsl.interpreters", "qnnc.verify", "qnnc.backends.sim",
                      "qnnc.backends.sim.verilator", "qnnc.backends.sim.csim")
"""Modules a compile without --verify must not load."""


def modules_after(code: str) -> set[str]:
    """sys.modules of a fresh interpreter after running `code` (SystemExit caught)."""
    script = (f"import sys\ntry:\n{''.join('    ' + l + chr(10) for l in code.splitlines())}"
              "except SystemExit:\n    pass\nprint('\\n'.join(sorted(sys.modules)), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return set(r.stderr.splitlines())


def test_import_of_the_cli_loads_no_compiler():
    loaded = modules_after("import qnnc.cli")
    assert not loaded & set(NEVER_AT_START), sorted(loaded & set(NEVER_AT_START))


def test_help_loads_no_compiler():
    loaded = modules_after("from qnnc.cli import main\nmain(['--help'])")
    assert "argparse" in loaded
    assert not loaded & set(NEVER_AT_START), sorted(loaded & set(NEVER_AT_START))


def test_compile_loads_no_simulator_verifier_or_onnxruntime(tmp_path):
    # fixedmlp_w8a6 has no constant to fold: nothing calls onnxruntime, so its stand-in stays
    loaded = modules_after(f"from qnnc.cli import main\nmain([{str(MODELS / 'fixedmlp_w8a6' / 'model.onnx')!r}, "
                           f"'-o', {str(tmp_path / 'out')!r}])")
    assert (tmp_path / "out" / "verilog" / "qnnc_top.v").is_file()
    assert not loaded & set(NEVER_IN_A_COMPILE), sorted(loaded & set(NEVER_IN_A_COMPILE))
    assert "onnxruntime.capi._pybind_state" not in loaded, "onnxruntime loaded but never used"


def test_deferred_module_loads_on_first_use():
    code = ("from qnnc.deferred import defer\ndefer('onnxruntime')\nimport onnxruntime as rt\n"
            "assert 'onnxruntime.capi' not in sys.modules\n"
            "assert rt.InferenceSession is sys.modules['onnxruntime'].InferenceSession\n"
            "import onnxruntime\nassert onnxruntime.get_device()")
    loaded = modules_after(code)
    assert "onnxruntime.capi._pybind_state" in loaded
    # a submodule imported through the stand-in runs once, and the package loads after it
    code = ("from qnnc.deferred import defer\ndefer('onnxruntime')\n"
            "import onnxruntime.capi._pybind_state as C\n"
            "import onnxruntime\nassert onnxruntime.capi._pybind_state is C\n"
            "assert sys.modules['onnxruntime.capi._pybind_state'] is C\n"
            "assert onnxruntime.InferenceSession and sys.modules['onnxruntime'].capi is onnxruntime.capi")
    modules_after(code)


def test_dataclass_code_cache_compiles_once_and_the_same(tmp_path):
    """The cache of the methods `dataclasses` generates (qnnc.deferred.DataclassCodeCache):
    the first process compiles and writes them, the second compiles none; every cached code
    object is the one `exec` compiles from the text; the classes behave as without it."""
    cache = tmp_path / "methods.marshal"
    use = (f"from pathlib import Path\nfrom qnnc.deferred import DataclassCodeCache\n"
           f"c = DataclassCodeCache(Path({str(cache)!r}))\nassert c.install()\n")
    run = ("import qnnc.driver, qnnc.lowering.dataflow_fold\n"
           "from xdsl.dialects.builtin import IntegerAttr, StringAttr\n"
           "assert IntegerAttr(3, 64) == IntegerAttr(3, 64) != IntegerAttr(4, 64)\n"
           "assert hash(StringAttr('a')) == hash(StringAttr('a')) and 'a' in repr(StringAttr('a'))\n"
           "import dataclasses, hashlib\n"
           "@dataclasses.dataclass(frozen=True)\nclass P:\n    x: int\n    y: int = 2\n"
           "assert P(1) == P(1, 2) and repr(P(1)) == 'P(x=1, y=2)'\n"
           "try:\n    P(1).x = 3\n    raise AssertionError('not frozen')\n"
           "except dataclasses.FrozenInstanceError:\n    pass\n"
           # every generated method's code object, as a digest (not of marshal's bytes, which
           # depend on string sharing: equal code can marshal differently)
           "def fp(c):\n"
           "    return (c.co_code, c.co_names, c.co_varnames, c.co_freevars, c.co_cellvars,\n"
           "            c.co_flags, c.co_argcount, c.co_kwonlyargcount, c.co_posonlyargcount,\n"
           "            c.co_name, c.co_qualname, c.co_filename, c.co_firstlineno,\n"
           "            c.co_linetable, c.co_exceptiontable,\n"
           "            tuple(fp(k) if hasattr(k, 'co_code') else repr(k) for k in c.co_consts))\n"
           "h = hashlib.sha256()\n"
           "for m in sorted(n for n in sys.modules if n.startswith(('xdsl.', 'qnnc.'))):\n"
           "    for k, cls in sorted(vars(sys.modules[m]).items()):\n"
           "        if isinstance(cls, type) and dataclasses.is_dataclass(cls):\n"
           "            for f in vars(cls).values():\n"
           "                code = getattr(f, '__code__', None)\n"
           "                if code is not None and code.co_filename == '<string>':\n"
           "                    h.update(repr(fp(code)).encode())\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def python(code: str) -> list[str]:
        r = subprocess.run([sys.executable, "-c", "import sys\n" + code], capture_output=True,
                           text=True, env=env)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()

    report = "print(h.hexdigest(), c.added, len(c.code))\nc.save()\n"
    (plain,) = python(run + "print(h.hexdigest())\n")
    digest, added, size = python(use + run + report)  # the first: compiles, writes
    assert digest == plain and int(added) == int(size) > 100 and cache.is_file()
    assert python(use + run + report) == [plain, "0", size]  # the second: compiles nothing
    cache.write_bytes(b"not marshal")  # an unreadable file is no cache
    assert python(use + run + report) == [plain, size, size]


def test_dataclass_code_cache_falls_back_to_a_private_temp_folder(tmp_path, monkeypatch):
    """A package folder the user cannot write (a system-wide install) moves the cache file to
    qnnc's private temp folder; a folder there that others can write is never used."""
    import tempfile

    from qnnc.deferred import DataclassCodeCache
    from qnnc.private_temp import private_temp_dir

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(sys, "pycache_prefix", None)
    package = Path(__import__("qnnc.deferred").deferred.__file__).resolve().parent
    assert DataclassCodeCache.default_path().parent == package / "__pycache__"
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    private = tmp_path / f"qnnc-cache-{os.getuid()}"
    assert DataclassCodeCache.default_path().parent == private
    assert private.stat().st_mode & 0o777 == 0o700
    private.chmod(0o777)  # someone else could have written its files: not ours to load
    assert private_temp_dir("qnnc-cache") is None
    assert DataclassCodeCache.default_path().parent == package / "__pycache__"


def test_time_passes_names_every_step_and_changes_no_output(tmp_path):
    from qnnc.pipeline import STAGES, Options, stage_passes
    from qnnc.universe import all_targets

    model = str(MODELS / "tfc_1w1a_zoo" / "model.onnx")
    runs = {}
    for flag in ([], ["--time-passes"]):
        out = tmp_path / ("timed" if flag else "plain")
        r = subprocess.run([sys.executable, "-m", "qnnc.cli", model, "-o", str(out), *flag],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        runs[bool(flag)] = (r, {str(p.relative_to(out)): p.read_bytes()
                                for p in sorted(out.rglob("*")) if p.is_file()})
    table = runs[True][0].stderr
    assert "--time-passes" not in runs[False][0].stderr and "pass " not in runs[False][0].stderr
    steps = [line.split("%", 1)[1].strip() for line in table.splitlines() if "%  " in line]
    for stage in STAGES:
        for p in stage_passes(stage, Options()):
            assert f"pass {p.name}" in steps, (p.name, table)
            assert f"verify after {p.name}" in steps, (p.name, table)
    for name in all_targets():
        assert f"backend {name}" in steps, table
    for step in ("start-up (python, qnnc.cli, arguments)", "import the compiler (xDSL, onnx, numpy)",
                 "load + qonnx cleanup", "import ONNX -> quant", "host ONNX export",
                 "design report", "print ir/03-rtl.mlir", "write outputs", "total"):
        assert step in steps, (step, table)
    shares = [float(line.split()[1].rstrip("%")) for line in table.splitlines() if "%  " in line]
    assert shares[-1] == 100.0 and abs(sum(shares[:-1]) - 100.0) < 2.0, table
    assert runs[True][1] == runs[False][1], "--time-passes must not change the output files"
    assert "compile_seconds" not in json.loads(runs[True][1]["report.json"])


def test_only_the_chosen_backends_are_imported(tmp_path):
    model = str(MODELS / "fixedmlp_w8a6" / "model.onnx")
    loaded = modules_after(f"from qnnc.cli import main\nmain([{model!r}, '-o', "
                           f"{str(tmp_path / 'v')!r}, '--emit', 'verilog'])")
    assert "qnnc.backends.verilog.printer" in loaded and "qnnc.backends.hls" not in loaded
    loaded = modules_after(f"from qnnc.cli import main\nmain([{model!r}, '-o', "
                           f"{str(tmp_path / 'q')!r}, '--emit', 'quant'])")
    assert not any(m.startswith(("qnnc.lowering", "qnnc.backends.verilog", "qnnc.backends.hls"))
                   for m in loaded)

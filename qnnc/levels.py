"""Which level an IR module is at, read off the IR itself (never off a file name), and where
the default pipeline resumes on it: what `qnnc out/ir/02-dataflow.mlir -o out2/` relies on.

The level is decided by the dialects of the ops the functions hold, as each stage leaves them:

| level               | what the module holds                                                 |
|---------------------|-----------------------------------------------------------------------|
| `quant`             | no `@core`: `@main` holds the imported QONNX (`quant.*`, `host.*`)     |
| `quant-streamlined` | `@core` (split off by `quant-partition-host`) holds only `quant.*` ops |
| `dataflow`          | `@core` holds `dataflow.*` streaming units                             |
| `rtl`               | `@core` holds `rtl.*` instances                                        |

Inside a level, a dump written after one pass of a stage (`--dump-ir-after-all`) resumes after
the last pass whose mark is in the IR: `dataflow-fold` records `qnnc.folding` on `@core`,
`dataflow-choose-activation` records `qnnc.activation` on every thresholded MVAU, and
`dataflow-insert-fifos` (which changes nothing when run again) is always run. A `quant` module
that already holds integer ops (`quant.int_matmul`, `quant.threshold`) but no `@core` is partway
through the streamlining stage, whose passes leave nothing else to read: it is refused with the
passes that remain, to be given with `--pass-pipeline`.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from qnnc.diagnostics import QnncError

LEVELS = ("quant", "quant-streamlined", "dataflow", "rtl")
INTEGER_QUANT_OPS = ("quant.int_matmul", "quant.threshold")
"""Ops only `quant-streamline` creates: a `quant` module holding them is streamlined (partly)."""


def functions(module: ModuleOp) -> dict[str, func.FuncOp]:
    return {f.sym_name.data: f for f in module.ops if isinstance(f, func.FuncOp)}


def _dialects(f: func.FuncOp) -> set[str]:
    return {op.name.split(".", 1)[0] for op in f.walk() if op is not f}


def level_of(module: ModuleOp) -> str:
    """The level of `module` (one of LEVELS); a QnncError when it is none of them."""
    fns = functions(module)
    core = fns.get("core")
    if core is None:
        if "main" not in fns:
            raise QnncError("the IR has neither @core nor @main: not a qnnc module (a dump in "
                            "out/ir/ or IR built from one)")
        return "quant"
    found = _dialects(core)
    if "rtl" in found:
        return "rtl"
    if "dataflow" in found:
        return "dataflow"
    return "quant-streamlined"


def partly_streamlined(module: ModuleOp) -> bool:
    """A module without `@core` that already holds ops of the integer core."""
    main = functions(module).get("main")
    return "core" not in functions(module) and main is not None and \
        any(op.name in INTEGER_QUANT_OPS for op in main.walk())


def done_passes(module: ModuleOp) -> set[str]:
    """The passes of the module's own level whose marks are in the IR (see the module
    docstring); only the dataflow level has any."""
    if level_of(module) != "dataflow":
        return set()
    core = functions(module)["core"]
    done = {"convert-quant-to-dataflow"}
    if "qnnc.folding" in core.attributes:
        done.add("dataflow-fold")
        mvaus = [u for u in core.walk() if u.name == "dataflow.mvau"
                 and getattr(u, "thresholds", None) is not None and u.n_thresholds() > 0]
        if all("qnnc.activation" in u.attributes for u in mvaus):
            done.add("dataflow-choose-activation")
    return done

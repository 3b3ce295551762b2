"""IR plumbing shared by the driver, `qnnc-opt` and the tests: context, parse, print, run."""

from __future__ import annotations

import io

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects import func
from xdsl.dialects.func import Func
from xdsl.parser import Parser

from qnnc import xdsl_compat


def qnnc_dialects():
    """The dialects of qnnc's own levels, imported lazily (no registry filled at import)."""
    from qnnc.dialects import dataflow, host, quant, rtl

    return [quant.Quant, host.Host, dataflow.Dataflow, rtl.Rtl]


def make_context() -> Context:
    xdsl_compat.apply()
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(Func)
    for d in qnnc_dialects():
        ctx.load_dialect(d)
    from qnnc.plugins import registry

    for name, factory in registry().dialects.items():  # loaded plugins' dialects, lazily
        if name not in ctx.registered_dialect_names:
            ctx.register_dialect(name, factory)
    return ctx


def parse_module(text: str, ctx: Context | None = None) -> ModuleOp:
    module = Parser(ctx or make_context(), text).parse_module()
    module.verify()
    return module


def print_module(module: ModuleOp, ctx: Context | None = None) -> str:
    """Custom-format text with locations (so ONNX node names survive a round trip), exactly as
    `qnnc-opt --print-debuginfo` prints it, so a dump round-trips byte for byte."""
    from xdsl.targets.mlir import MLIRTarget

    out = io.StringIO()
    MLIRTarget(print_debuginfo=True).emit(ctx or make_context(), module, out)
    return out.getvalue()


def _func_functions():
    """xDSL's `FuncFunctions` (`xdsl/interpreters/func.py`), restated: importing that module runs
    `xdsl/interpreters/__init__.py`, which imports every upstream interpreter and its dialect
    (riscv, linalg, affine, ...; about 0.3 s), and `quant-streamline` interprets on every
    compile."""
    from xdsl.interpreter import (Interpreter, InterpreterFunctions, ReturnedValues, impl,
                                  impl_callable, impl_terminator, register_impls)

    @register_impls
    class FuncFunctions(InterpreterFunctions):
        @impl_terminator(func.ReturnOp)
        def run_return(self, interpreter: Interpreter, op: func.ReturnOp, args: tuple):
            return ReturnedValues(args), ()

        @impl(func.CallOp)
        def run_call(self, interpreter: Interpreter, op: func.CallOp, args: tuple):
            return interpreter.call_op(op.callee, args)

        @impl_callable(func.FuncOp)
        def call_func(self, interpreter: Interpreter, op: func.FuncOp, args: tuple):
            if (first_block := op.body.blocks.first) is None or not first_block.ops:
                return interpreter.call_external(op.sym_name.data, op, args)
            return interpreter.run_ssacfg_region(op.body, args, op.sym_name.data)

    return FuncFunctions()


def interpreter_functions():
    from qnnc.dialects import dataflow, host, quant, rtl

    return [_func_functions(), quant.QuantFunctions(), host.HostFunctions(),
            dataflow.DataflowFunctions(), rtl.RtlFunctions()]


def run_function(module: ModuleOp, name: str, args: list[np.ndarray],
                 float_dtype=np.float32) -> list[np.ndarray]:
    """Interpret `func.func @name` on numpy inputs. float_dtype=np.float64 re-evaluates the
    float ops in double precision (used to classify float32 tie noise)."""
    from xdsl.interpreter import Interpreter

    interp = Interpreter(module)
    interp.qnnc_float = float_dtype  # read by the float kernels of the quant dialect
    for f in interpreter_functions():
        interp.register_implementations(f)
    return list(interp.call_op(name, tuple(args)))

"""`qnnc-opt`: xDSL's opt driver with qnnc's dialects, passes and targets
(`qnnc-opt in.mlir -p convert-quant-to-dataflow`, `-t verilog`, `-t hls`, `--run inputs.npz`)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target
from xdsl.xdsl_opt_main import xDSLOptMain

from qnnc.universe import all_dialects, all_passes


@dataclass(frozen=True)
class VerilogTarget(Target):
    """Prints every rtl.module (and the library cells used) as Verilog, one after another."""

    name = "verilog"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        from qnnc.backends.verilog import export_verilog

        for name, text in export_verilog(ctx, module).items():
            output.write(f"// ----- {name}\n{text}")


@dataclass(frozen=True)
class HlsTarget(Target):
    """Prints the HLS C++ project of an rtl-level module (top, weights, library, testbench,
    Vitis script), one file after another."""

    name = "hls"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        from qnnc.backends.hls import export_hls

        for name, text in export_hls(module).items():
            output.write(f"// ----- {name}\n{text}")


class QnncOptMain(xDSLOptMain):
    """`--run inputs.npz [--run-func NAME]` interprets the (transformed) module on every sample
    of the npz's `inputs` array instead of printing it: any level is executable."""

    def register_all_arguments(self, arg_parser):
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument("--run", metavar="INPUTS.npz", default=None,
                                help="interpret @main (or --run-func) on each sample of "
                                     "the npz array 'inputs' and print the results")
        arg_parser.add_argument("--run-func", default="main")

    def output_resulting_program(self, prog: ModuleOp) -> str:
        if not self.args.run:
            return super().output_resulting_program(prog)
        import numpy as np

        from qnnc.ir import run_function

        inputs = np.load(self.args.run)["inputs"]
        lines = []
        for i, x in enumerate(inputs):
            (y,) = run_function(prog, self.args.run_func, [x])
            lines.append(f"sample {i}: " + np.array2string(np.asarray(y), threshold=1 << 20,
                                                          floatmode="unique",
                                                          max_line_width=1 << 20))
        return "\n".join(lines) + "\n"

    def register_all_dialects(self):
        super().register_all_dialects()
        for name, factory in all_dialects().items():
            if name not in self.ctx.registered_dialect_names:
                self.ctx.register_dialect(name, factory)

    def register_all_passes(self):
        super().register_all_passes()
        for name, factory in all_passes().items():
            if name not in self.available_passes:
                self.register_pass(name, factory)

    def register_all_targets(self):
        super().register_all_targets()
        self.available_targets["verilog"] = lambda: VerilogTarget
        self.available_targets["hls"] = lambda: HlsTarget


def main() -> None:
    QnncOptMain().run()


if __name__ == "__main__":
    sys.exit(main())

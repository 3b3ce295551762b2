"""`qnnc-opt`: xDSL's opt driver with qnnc's dialects, passes and targets
(`qnnc-opt in.mlir -p convert-quant-to-dataflow`, `-t verilog`, `-t hls`, `--run inputs.npz`),
and those of the plugins (installed `qnnc.plugins` entry points, `--load-plugin module`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target
from xdsl.xdsl_opt_main import xDSLOptMain

from qnnc import xdsl_compat
from qnnc.universe import all_dialects, all_passes, all_targets, backend_passes


def backend_target(name: str, backend_cls) -> type[Target]:
    """An xDSL `Target` printing every file a qnnc backend emits, one after another, each after
    a `// ----- <file>` line (`qnnc-opt -t verilog`, `-t hls`)."""

    @dataclass(frozen=True)
    class BackendTarget(Target):
        def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
            from qnnc.backends import EmitOptions

            for file, text in backend_cls().emit(ctx, module, EmitOptions()).items():
                output.write(f"// ----- {file}\n{text}")

    BackendTarget.name = name
    BackendTarget.__name__ = f"{backend_cls.__name__}Target"
    return BackendTarget


def _target_factory(name: str, backend_factory) -> Callable[[], type[Target]]:
    """xDSL calls a target factory with no arguments."""
    return lambda: backend_target(name, backend_factory())


class QnncOptMain(xDSLOptMain):
    """`--run inputs.npz [--run-func NAME]` interprets the (transformed) module on every sample
    of the npz's `inputs` array instead of printing it: any level is executable."""

    def register_all_arguments(self, arg_parser):
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument("--run", metavar="INPUTS.npz", default=None,
                                help="interpret @main (or --run-func) on each sample of "
                                     "the npz array 'inputs' and print the results")
        arg_parser.add_argument("--run-func", default="main")
        arg_parser.add_argument("--load-plugin", metavar="MODULE[:HOOK]", action="append",
                                default=[], help="load a qnnc plugin module (its passes, "
                                "dialects and targets); see docs/plugins.md")
        arg_parser.error = _one_line_usage_error  # no usage dump: one `error:` line, exit 2

        arg_parser.add_argument("--rules", metavar="FILE.qrr", action="append", default=[],
                                help="apply the rewrite rules of FILE after the -p passes "
                                     "(sugar for -p 'apply-rules{file=\"FILE\"}'; repeatable)")

    def setup_pipeline(self):
        """`--rules FILE` is the pass `apply-rules{file="FILE"}` after the -p passes."""
        from qnnc.universe import parse_pass_pipeline

        parse_pass_pipeline(self.args.passes, "-p")  # one-line errors with close matches
        super().setup_pipeline()
        if self.args.rules:
            import dataclasses

            rules = all_passes()["apply-rules"]()
            self.pipeline = dataclasses.replace(
                self.pipeline,
                passes=self.pipeline.passes + tuple(rules(file=f) for f in self.args.rules))

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
        xdsl_compat.apply()  # qnnc-opt makes its own context
        super().register_all_dialects()
        for name, factory in all_dialects().items():
            if name not in self.ctx.registered_dialect_names:
                self.ctx.register_dialect(name, factory)

    def register_all_passes(self):
        super().register_all_passes()
        for name, factory in {**all_passes(), **backend_passes()}.items():
            if name not in self.available_passes:
                self.register_pass(name, factory)

    def register_all_targets(self):
        super().register_all_targets()
        for name, factory in all_targets().items():
            self.available_targets[name] = _target_factory(name, factory)


def _one_line_usage_error(message: str):
    """argparse's `error` for qnnc-opt: one `error:` line (an unknown target with its close
    matches), exit code 2."""
    import re

    from qnnc.diagnostics import one_line
    from qnnc.universe import did_you_mean

    m = re.match(r"argument -t/--target: invalid choice: '(.*)' \(choose from (.*)\)$", message)
    if m:
        known = [t.strip() for t in m.group(2).split(",")]
        message = f"unknown target {did_you_mean(m.group(1), known)}; available: {m.group(2)}"
    print(one_line(f"error: {message}"), file=sys.stderr)
    sys.exit(2)


def _tool_error(e: BaseException) -> str:
    """One `error:` line for a bad command line or input file, with close matches for an
    unknown pass name."""
    import re

    from qnnc.diagnostics import one_line
    from qnnc.universe import arg_spec_error_text, unknown_passes_text

    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    m = re.match(r"Unrecognized passes: \[(.*)\]", text)
    if m:
        text = unknown_passes_text([n.strip(" '\"") for n in m.group(1).split(",")])
    elif type(e).__name__ == "ArgSpecParseError":
        text = f"malformed pass or target spec: {arg_spec_error_text(e)}"
    elif isinstance(e, OSError) and e.filename:
        text = f"cannot read '{e.filename}': {e.strerror}"
    return one_line(f"error: {text}")


def main() -> int:
    """Run the tool; a bad pass name or option, or an unreadable file, is one `error:` line and
    exit code 2 (never a traceback). Diagnostics about the IR keep xDSL's own format."""
    from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException, ParseError

    from qnnc.backends import EmissionError
    from qnnc.diagnostics import QnncError
    from qnnc.plugins import load_plugins, plugin_args
    from qnnc.rules import RuleError

    try:
        load_plugins(plugin_args(sys.argv[1:]))  # before the parser: they add passes, targets
        QnncOptMain().run()
    except (QnncError, RuleError) as e:  # a bad -p/--load-plugin/rule file, or a pass refusing its input
        print(str(e), file=sys.stderr)
        return 2
    except (ParseError, DiagnosticException):
        raise
    except (ValueError, OSError, EmissionError, ArgSpecParseError) as e:
        print(_tool_error(e), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

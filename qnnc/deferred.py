"""Deferred imports for the `qnnc` command: a module that a dependency imports at its top but
calls only on some paths is loaded when first used, not at start-up.

The one case: qonnx's shape inference imports every qonnx custom op, and some of them import
qonnx's executor, which imports onnxruntime (~40 ms of native libraries) at module level. A
compile calls onnxruntime only to fold constant nodes (qonnx's FoldConstants) or to run a host
op in an interpreter, and `--verify` to run the reference; most compiles never do. `defer`
puts a stand-in module into `sys.modules`: `import onnxruntime as rt` binds the stand-in, and
the first attribute read through it (`rt.InferenceSession`, or a submodule import) imports the
real module and copies its namespace over, so every later use sees the real module's objects.
(importlib's `LazyLoader` does not help here: on Python 3.11 the import statement itself reads
`__spec__` of a module already in `sys.modules`, which loads a lazy module at once.)

Only the CLI process calls `defer` (its effect is process-wide); library users import normally.

`importing_long_lived` is the other start-up measure: the cyclic garbage collector is paused
while the compiler's modules are imported (they create some 10^5 objects that live as long as
the process, and each automatic collection during the import scans them all again for nothing),
then those objects are moved out of its reach (`gc.freeze`) and collection resumes for the
compile itself. About a tenth of the CPU time of a small model's whole `qnnc` process.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is read."""

    def __getattr__(self, attr: str):  # only for attributes not (yet) in the namespace
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        real = importlib.import_module(name)
        for key, value in list(self.__dict__.items()):  # submodules imported via the stand-in
            if isinstance(value, types.ModuleType) and value.__name__ == f"{name}.{key}":
                real.__dict__.setdefault(key, value)
        self.__dict__.update(real.__dict__)
        return getattr(real, attr)


def defer(name: str) -> None:
    """Import top-level module `name` on first use instead of now (no-op when it is already
    imported or not installed)."""
    if name in sys.modules or "." in name:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec  # what the import statement checks (`_initializing` is unset)
    if spec.submodule_search_locations is not None:
        # a package: importing one of its submodules reads the parent's __path__, and must not
        # load the package half-way through that import (the submodule would run twice)
        stand_in.__path__ = list(spec.submodule_search_locations)
    sys.modules[name] = stand_in


@contextlib.contextmanager
def importing_long_lived() -> Iterator[None]:
    """No automatic garbage collection inside the block; afterwards every object alive is
    frozen (never scanned again: modules, classes, functions) and collection resumes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()

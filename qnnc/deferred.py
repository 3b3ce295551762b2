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

`DataclassCodeCache` is the third: a bytecode cache for the methods `dataclasses` generates.
xDSL declares its attributes, constraints, traits and format directives as dataclasses (some
270 classes on the default path, qnnc's passes too), and `dataclasses` writes each class's
`__init__`, `__eq__`, `__repr__`, `__hash__`, ... as source text and `exec`s it: some 1,200
compilations of small functions (~700 distinct texts) in every process, 0.1-0.2 s of CPU
(fixedmlp_w8a6's whole process: 0.74 -> 0.64 s, the least of 14 runs), which Python's own
bytecode cache never sees (the source is made at run time). `compile()` is a pure function of
the text (and the interpreter: the cache file is named by its `cache_tag` and optimization
level), so the CLI process gives the `dataclasses` module an `exec` that looks the text up in
a dictionary of code objects loaded from one file, compiles only what is not there, and
`save()` writes the dictionary back when it grew. The classes come out the same: the same
code object `exec` would have compiled (filename `<string>`, no `__future__` flags, as
`dataclasses` itself has none), run in the same namespaces. Like Python's bytecode cache, it is
read always, written unless `sys.dont_write_bytecode`, under `sys.pycache_prefix` when set, and
an unreadable or unwritable file is ignored (the text is then compiled, as without the cache).
An install whose package folder the user cannot write keeps the file in a private folder of
the system temp directory instead (the one place outside `-o` where qnnc writes).
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import importlib
import importlib.util
import marshal
import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path


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


class DataclassCodeCache:
    """Code objects of the methods `dataclasses` generates, by source text, kept in one file
    (see the module docstring). `install()` once per process, `save()` after the work."""

    VERSION = 1  # of the file's layout: {"version", "magic" (the interpreter's bytecode), "code"}

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else self.default_path()
        self.code: dict[str, types.CodeType] = {}
        self.added = 0

    @staticmethod
    def default_path() -> Path:
        """qnnc's own `__pycache__` (or its mirror under `sys.pycache_prefix`), one file per
        interpreter and optimization level, as Python names `.pyc` files; when the package's
        folder cannot be written (a system-wide install), qnnc's private temp folder."""
        here = Path(__file__).resolve().parent
        name = f"dataclass-methods.{sys.implementation.cache_tag or 'unknown'}" \
               f".opt{sys.flags.optimize}.marshal"
        if sys.pycache_prefix:
            return Path(sys.pycache_prefix + str(here)) / "__pycache__" / name
        pycache = here / "__pycache__"
        if os.access(pycache if pycache.is_dir() else here, os.W_OK):
            return pycache / name
        from qnnc.private_temp import private_temp_dir

        private = private_temp_dir("qnnc-cache")
        return private / name if private is not None else pycache / name

    def load(self) -> None:
        try:
            data = marshal.loads(self.path.read_bytes())
            if isinstance(data, dict) and data.get("version") == self.VERSION and \
                    data.get("magic") == importlib.util.MAGIC_NUMBER and \
                    isinstance(data.get("code"), dict):
                self.code = data["code"]
        except (OSError, ValueError, EOFError, TypeError):
            self.code = {}

    def exec(self, source, globals=None, locals=None, /):  # noqa: A002 (exec's own names)
        """`exec` for `dataclasses`: a text already compiled runs from its code object."""
        if isinstance(source, str):
            code = self.code.get(source)
            if code is None:
                code = compile(source, "<string>", "exec", dont_inherit=True)
                self.code[source] = code
                self.added += 1
            source = code
        return builtins.exec(source, globals, locals)

    def install(self) -> bool:
        """Load the file and give `dataclasses` this `exec` (no-op when `dataclasses` compiles
        with `__future__` flags, which `compile(..., dont_inherit=True)` would drop)."""
        import __future__
        import dataclasses

        if any(isinstance(v, __future__._Feature) for v in vars(dataclasses).values()) or \
                "exec" in vars(dataclasses):
            return False
        self.load()
        dataclasses.exec = self.exec  # a module global shadows the builtin in that module
        return True

    def save(self) -> None:
        """Write the dictionary when it grew (atomically: another process may be reading)."""
        if not self.added or sys.dont_write_bytecode:
            return
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(marshal.dumps({"version": self.VERSION,
                                           "magic": importlib.util.MAGIC_NUMBER,
                                           "code": self.code}))
            os.replace(tmp, self.path)
            self.added = 0
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                tmp.unlink()

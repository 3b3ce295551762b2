"""Plugins: a user package adds dialects, passes and targets (backends) to qnnc without forking it.

A plugin is a callable `hook(registry: PluginRegistry) -> None` that registers lazy factories:

    def qnnc_plugin(registry):
        registry.add_pass("my-pass", lambda: MyPass)            # an xDSL ModulePass class
        registry.add_dialect("mydialect", lambda: MyDialect)    # an xDSL Dialect
        registry.add_target("mytarget", lambda: MyBackend)      # a qnnc.backends.Backend class

It is found two ways, both explicit and only when a tool starts (`qnnc`, `qnnc-opt`): nothing
is registered by importing qnnc.

* installed packages publish it under the entry-point group `qnnc.plugins`
  (`[project.entry-points."qnnc.plugins"] name = "package.module:qnnc_plugin"`), all loaded at
  start (`QNNC_NO_PLUGINS=1` skips them);
* `--load-plugin module.path` (or `module.path:function`) loads one ad hoc; the module's hook
  is called `qnnc_plugin` unless named.

What the hooks registered is then part of qnnc's universe (`qnnc.universe.all_passes()`,
`all_dialects()`, `all_targets()`): `qnnc-opt -p`, `-t`, the driver's contexts, `qnnc --emit`,
`qnnc --extra-pass`. A name qnnc (or an earlier plugin) already registers is an error: a plugin
adds, it never silently replaces. Every failure (no such module, no hook, a hook that raises,
a clash) is a `QnncError`: one `error:` line, exit code 2.

The loaded set is process state (like xDSL's `Context`, filled when the tool starts, never at
import); `reset()` empties it (tests).
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from qnnc.diagnostics import QnncError

ENTRY_POINT_GROUP = "qnnc.plugins"
HOOK = "qnnc_plugin"
"""The hook's name in a module given to `--load-plugin` without `:function`."""


@dataclass
class PluginRegistry:
    """What plugins registered: name → lazy factory, per kind, and which plugin owns each."""

    dialects: dict[str, Callable] = field(default_factory=dict)
    passes: dict[str, Callable] = field(default_factory=dict)
    targets: dict[str, Callable] = field(default_factory=dict)
    owner: dict[tuple[str, str], str] = field(default_factory=dict)
    loaded: list[str] = field(default_factory=list)
    _current: str = "?"
    _builtin: Callable[[str], set[str]] | None = None

    def add_dialect(self, name: str, factory: Callable) -> None:
        self._add("dialect", self.dialects, name, factory)

    def add_pass(self, name: str, factory: Callable) -> None:
        """`factory()` returns the pass class (an xDSL `ModulePass` whose `.name` is `name`)."""
        self._add("pass", self.passes, name, factory)

    def add_target(self, name: str, factory: Callable) -> None:
        """`factory()` returns a backend class (`qnnc.backends.Backend`: `name`, `emit`,
        `simulate`, `simulator_missing`)."""
        self._add("target", self.targets, name, factory)

    def _add(self, kind: str, table: dict, name: str, factory: Callable) -> None:
        if not isinstance(name, str) or not name or not callable(factory):
            raise QnncError(f"plugin '{self._current}': bad {kind} registration {name!r} "
                            f"(a name and a factory callable)")
        if (kind, name) in self.owner:
            raise QnncError(f"plugin '{self._current}': {kind} '{name}' is already registered "
                            f"by plugin '{self.owner[kind, name]}'")
        if self._builtin is not None and name in self._builtin(kind):
            raise QnncError(f"plugin '{self._current}': {kind} '{name}' is already registered "
                            f"by qnnc")
        table[name] = factory
        self.owner[kind, name] = self._current


_REGISTRY = PluginRegistry()


def registry() -> PluginRegistry:
    """What the plugins loaded so far registered (empty until a tool loads some)."""
    return _REGISTRY


def reset() -> None:
    global _REGISTRY
    _REGISTRY = PluginRegistry()


@contextlib.contextmanager
def isolated() -> Iterator[PluginRegistry]:
    """A fresh, empty plugin state for the duration (tests); the previous one comes back."""
    global _REGISTRY
    saved, _REGISTRY = _REGISTRY, PluginRegistry()
    try:
        yield _REGISTRY
    finally:
        _REGISTRY = saved


def _builtin_names(kind: str) -> set[str]:
    from qnnc import universe

    if kind == "dialect":
        return set(universe.builtin_dialects())
    if kind == "pass":
        return {*universe.builtin_passes(), *universe.backend_passes()}
    return set(universe.builtin_targets())


def _call_hook(label: str, hook: object) -> None:
    if not callable(hook):
        raise QnncError(f"plugin '{label}': its hook is not callable")
    reg = _REGISTRY
    reg._current, reg._builtin = label, _builtin_names
    try:
        hook(reg)
    except QnncError:
        raise
    except Exception as e:  # the plugin's own bug: one line naming it
        raise QnncError(f"plugin '{label}' failed while registering: "
                        f"{type(e).__name__}: {e}") from e
    finally:
        reg._current = "?"
    reg.loaded.append(label)


def load_module_plugin(spec: str) -> None:
    """`--load-plugin module.path[:function]`: import the module and call its hook."""
    module_name, _, attr = spec.partition(":")
    attr = attr or HOOK
    if spec in _REGISTRY.loaded:
        return  # the same plugin named twice (or also installed): once is enough
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            raise QnncError(f"--load-plugin {spec}: no module named '{module_name}' (is it "
                            f"installed, or on PYTHONPATH?)") from e
        raise QnncError(f"--load-plugin {spec}: importing '{module_name}' failed: {e}") from e
    except Exception as e:
        raise QnncError(f"--load-plugin {spec}: importing '{module_name}' failed: "
                        f"{type(e).__name__}: {e}") from e
    hook = getattr(module, attr, None)
    if hook is None:
        raise QnncError(f"--load-plugin {spec}: module '{module_name}' has no plugin hook "
                        f"'{attr}' (a function taking qnnc's plugin registry)")
    _call_hook(spec, hook)


def load_entry_point_plugins() -> None:
    """Every installed package's `qnnc.plugins` entry point (unless QNNC_NO_PLUGINS is set)."""
    if os.environ.get("QNNC_NO_PLUGINS"):
        return
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if ep.value in _REGISTRY.loaded:
            continue
        try:
            hook = ep.load()
        except Exception as e:
            raise QnncError(f"plugin '{ep.name}' ({ep.value}, entry point {ENTRY_POINT_GROUP}) "
                            f"cannot be loaded: {type(e).__name__}: {e}") from e
        _call_hook(ep.value, hook)


def load_plugins(modules: list[str] | tuple[str, ...] = ()) -> PluginRegistry:
    """What a tool does when it starts: the installed plugins, then each `--load-plugin`."""
    load_entry_point_plugins()
    for spec in modules:
        load_module_plugin(spec)
    return _REGISTRY


def plugin_args(argv: list[str]) -> list[str]:
    """The `--load-plugin` values of a command line (read before the tool's own parser runs,
    since the plugins decide which passes and targets that parser accepts)."""
    out = []
    for i, a in enumerate(argv):
        if a == "--load-plugin" and i + 1 < len(argv):
            out.append(argv[i + 1])
        elif a.startswith("--load-plugin="):
            out.append(a.split("=", 1)[1])
    return out

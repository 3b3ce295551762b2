"""Safe loading of an ONNX model file: what `onnx.load` does, without trusting the file.

`load_model` refuses a missing, empty or special file, parses it without following external
data, refuses any declared tensor too large to allocate (qnnc reads models from anywhere; a
12-byte initializer may declare 2**40 elements), checks every external-data reference stays in
the model's folder (no absolute path, no `..`, no symbolic link out) and has the declared size,
and only then loads that data. It returns the graph sorted topologically (refusing a cycle),
which is what the importer walks. The checks on the graph's content are in `validate.py`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto

from qnnc.diagnostics import QnncError

MAX_ELEMENTS = 2**28
"""Largest element count qnnc accepts for any tensor (1 GiB of float32): refused, not allocated."""


# ----------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------


def load_model(path: str | Path) -> onnx.ModelProto:
    """Read `path` as an ONNX model safely: refuse a missing, empty or non-regular file, parse
    without external data, check the external data references (inside the model's folder, of
    the declared size), then load them. Returns the model, topologically sorted."""
    p = check_model_file(path)
    try:
        model = onnx.load(str(p), load_external_data=False)
    except Exception as e:  # protobuf DecodeError and friends
        raise QnncError(f"cannot read '{path}' as an ONNX model: {exception_text(e)}")
    check_not_empty(model, path)
    check_tensor_sizes(model)
    check_external_data(model, p.parent)
    if any(_is_external(t) for t in all_tensors(model)):
        from onnx.external_data_helper import load_external_data_for_model

        try:
            load_external_data_for_model(model, str(p.parent))
        except Exception as e:
            raise QnncError(f"cannot load the external data of '{path}': {exception_text(e)}")
    sort_topologically(model.graph)
    return model


def check_model_file(path: str | Path) -> Path:
    """The model path must name an existing, non-empty regular file: anything else would reach
    protobuf as an OS error or, for an empty file, parse as an empty model."""
    p = Path(path)
    if not p.exists():
        raise QnncError(f"model file '{path}' does not exist")
    if p.is_dir():
        raise QnncError(f"'{path}' is a directory, not an ONNX model file")
    if not p.is_file():
        raise QnncError(f"'{path}' is not a regular file")
    if p.stat().st_size == 0:
        raise QnncError(f"model file '{path}' is empty")
    return p


def check_not_empty(model: onnx.ModelProto, path: str | Path) -> None:
    """Random bytes sometimes parse as a protobuf with no graph: say so rather than compiling
    nothing."""
    if not model.HasField("graph") or len(model.graph.node) == 0:
        raise QnncError(f"'{path}' holds no ONNX graph (no nodes): not a model, or a truncated one")


def exception_text(e: BaseException) -> str:
    """An exception's message on one line (protobuf and onnx messages span several)."""
    return " ".join(str(e).split()) or type(e).__name__


# ----------------------------------------------------------------------------------------------
# Tensors: sizes and external data
# ----------------------------------------------------------------------------------------------


def all_tensors(model: onnx.ModelProto) -> Iterator[TensorProto]:
    """Every TensorProto of the main graph: initializers and Constant/attribute tensors."""
    g = model.graph
    yield from g.initializer
    for s in g.sparse_initializer:
        yield s.values
        yield s.indices
    for node in g.node:
        for a in node.attribute:
            if a.HasField("t"):
                yield a.t
            yield from a.tensors


def _is_external(t: TensorProto) -> bool:
    return t.HasField("data_location") and t.data_location == TensorProto.EXTERNAL


def _elements(dims: Iterable[int]) -> int:
    n = 1
    for d in dims:
        n *= max(int(d), 0)
    return n


def check_tensor_sizes(model: onnx.ModelProto) -> None:
    """Refuse any declared tensor (initializer, constant, graph input/output, value_info) of more
    than MAX_ELEMENTS elements or with a negative dimension, before anything allocates it."""
    for t in all_tensors(model):
        if any(d < 0 for d in t.dims):
            raise QnncError(f"tensor '{t.name}' has a negative dimension {list(t.dims)}")
        if _elements(t.dims) > MAX_ELEMENTS:
            raise QnncError(f"tensor '{t.name}' has {_elements(t.dims)} elements "
                            f"(shape {list(t.dims)}); qnnc refuses tensors over {MAX_ELEMENTS}")
    g = model.graph
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        dims = static_dims(vi)
        if dims is not None and _elements(d for d in dims if isinstance(d, int)) > MAX_ELEMENTS:
            raise QnncError(f"tensor '{vi.name}' has shape {dims}: over {MAX_ELEMENTS} elements, "
                            f"qnnc refuses to allocate it")


def static_dims(vi: onnx.ValueInfoProto) -> list | None:
    """The dims of a value info (int, or the symbol's name for a symbolic dim), None if the
    value info has no tensor shape."""
    t = vi.type
    if t.WhichOneof("value") != "tensor_type" or not t.tensor_type.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
            for d in t.tensor_type.shape.dim]


def check_external_data(model: onnx.ModelProto, base: Path) -> None:
    """Every external-data location is a relative path inside the model's folder (no absolute
    path, no `..`, no symbolic link out of it) naming a file that holds the declared bytes."""
    root = base.resolve()
    for t in all_tensors(model):
        if not _is_external(t):
            continue
        info = {e.key: e.value for e in t.external_data}
        loc = info.get("location", "")
        where = f"external data of tensor '{t.name}'"
        if not loc:
            raise QnncError(f"{where} has no location")
        if os.path.isabs(loc) or loc.startswith(("/", "\\")) or (len(loc) > 1 and loc[1] == ":"):
            raise QnncError(f"{where} is at an absolute path ('{loc}'); it must be a file in the "
                            f"model's folder")
        if ".." in Path(loc.replace("\\", "/")).parts:
            raise QnncError(f"{where} ('{loc}') leaves the model's folder through '..'")
        target = (root / loc).resolve()
        if not target.is_relative_to(root):
            raise QnncError(f"{where} ('{loc}') leaves the model's folder (a symbolic link to "
                            f"'{target}')")
        if not target.is_file():
            raise QnncError(f"{where}: file '{loc}' does not exist next to the model")
        _check_external_extent(t, info, target, where)


def _check_external_extent(t: TensorProto, info: dict, target: Path, where: str) -> None:
    """Offset and length fit in the file, and the length matches the declared shape."""
    try:
        offset = int(info.get("offset", 0))
        length = int(info["length"]) if "length" in info else None
    except ValueError:
        raise QnncError(f"{where}: offset/length are not integers")
    size = target.stat().st_size
    if offset < 0 or offset > size or (length is not None and (length < 0 or offset + length > size)):
        raise QnncError(f"{where}: offset {offset} / length {length} lie outside the "
                        f"{size}-byte file '{info['location']}'")
    itemsize = _itemsize(t.data_type)
    avail = length if length is not None else size - offset
    if itemsize and avail != _elements(t.dims) * itemsize:
        raise QnncError(f"{where}: {avail} bytes for shape {list(t.dims)} of "
                        f"{_elements(t.dims) * itemsize} bytes")


def _itemsize(data_type: int) -> int:
    try:
        return np.dtype(onnx.helper.tensor_dtype_to_np_dtype(data_type)).itemsize
    except Exception:
        return 0


def sort_topologically(graph: onnx.GraphProto) -> None:
    """Reorder the nodes so every producer precedes its consumers (ONNX requires it, exporters
    sometimes don't): the importer walks nodes in order. Refuses a cycle, naming a node on it.
    Edges with no producer are left for `check_edges` to report."""
    producers = {o: i for i, n in enumerate(graph.node) for o in n.output if o}
    deps = [{producers[x] for x in n.input if x in producers} - {i}
            for i, n in enumerate(graph.node)]
    self_loop = [i for i, n in enumerate(graph.node) if any(producers.get(x) == i for x in n.input)]
    if self_loop:
        _cycle_error(graph.node[self_loop[0]])
    order, done, pending = [], set(), list(range(len(graph.node)))
    while pending:
        ready = [i for i in pending if deps[i] <= done]
        if not ready:
            _cycle_error(graph.node[pending[0]])
        order += ready
        done.update(ready)
        pending = [i for i in pending if i not in done]
    if order != list(range(len(graph.node))):
        nodes = [onnx.NodeProto.FromString(graph.node[i].SerializeToString()) for i in order]
        del graph.node[:]
        graph.node.extend(nodes)


def _cycle_error(node: onnx.NodeProto) -> None:
    raise QnncError("the graph has a cycle through this node (ONNX graphs must be acyclic)",
                    node.name or "?", node.op_type)

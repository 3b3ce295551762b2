"""`-o DIR` never costs a user a file: qnnc marks the directories it writes (`.qnnc-output`) and
replaces an existing one only when it is empty, marked, or `--force` is given; a failed
compilation leaves neither DIR nor a temporary sibling behind."""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

from qnnc.cli import main
from qnnc.driver import MARKER, MARKER_TEXT

MODEL = str(Path(__file__).resolve().parents[1] / "models" / "tfc_1w1a_zoo" / "model.onnx")


def qnnc(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(list(args))
    return code, err.getvalue()


def test_new_directory_gets_the_marker_and_is_replaced_next_time(tmp_path):
    out = tmp_path / "out"
    assert qnnc(MODEL, "-o", str(out))[0] == 0
    assert (out / MARKER).read_text() == MARKER_TEXT
    (out / "stale.txt").write_text("from an older run")
    assert qnnc(MODEL, "-o", str(out))[0] == 0
    assert not (out / "stale.txt").exists(), "a marked directory is replaced as a whole"
    assert sorted(os.listdir(tmp_path)) == ["out"], "no temporary sibling left behind"


def test_foreign_non_empty_directory_is_refused(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    code, err = qnnc(MODEL, "-o", str(out))
    assert code == 2
    assert err.startswith(f"error: output directory '{out}' is not empty and was not written by "
                          f"qnnc (no {MARKER} file)"), err
    assert "--force" in err and err.count("\n") == 1
    assert sorted(os.listdir(out)) == ["thesis.tex"]
    assert (out / "thesis.tex").read_text() == "years of work"
    assert sorted(os.listdir(tmp_path)) == ["results"]


def test_force_replaces_a_foreign_directory(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "old.txt").write_text("x")
    assert qnnc(MODEL, "-o", str(out), "--force")[0] == 0
    assert not (out / "old.txt").exists() and (out / MARKER).is_file()


def test_empty_existing_directory_is_used(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert qnnc(MODEL, "-o", str(out))[0] == 0
    assert (out / "verilog" / "qnnc_top.v").is_file()


def test_output_naming_a_file_is_a_user_error(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    code, err = qnnc(MODEL, "-o", str(f))
    assert code == 2 and err == f"error: output '{f}' is an existing file, not a directory\n", err
    assert f.read_text() == "keep me"
    code, err = qnnc(MODEL, "-o", str(f / "sub"))
    assert code == 2 and "is a file" in err, err


def test_directory_holding_the_model_or_cwd_is_never_replaced(tmp_path, monkeypatch):
    """Even with --force: replacing it would delete the model (or the shell's directory)."""
    model = tmp_path / "proj" / "model.onnx"
    model.parent.mkdir()
    model.write_bytes(Path(MODEL).read_bytes())
    (model.parent / MARKER).write_text(MARKER_TEXT)
    code, err = qnnc(str(model), "-o", str(model.parent), "--force")
    assert code == 2 and "contains" in err, err
    assert model.is_file()
    monkeypatch.chdir(model.parent)
    code, err = qnnc(str(model), "-o", str(tmp_path), "--force")
    assert code == 2 and "contains" in err, err


def test_failed_compilation_leaves_a_marked_directory_untouched(tmp_path):
    out = tmp_path / "out"
    assert qnnc(MODEL, "-o", str(out))[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"garbage")
    assert qnnc(str(bad), "-o", str(out))[0] == 2
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(os.listdir(tmp_path)) == ["bad.onnx", "out"]

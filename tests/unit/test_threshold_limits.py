"""`derive_thresholds` refuses what it cannot build in bounded memory instead of crashing: too
many levels, NaN levels; and checking a table works in chunks with the same answer."""

from __future__ import annotations

import numpy as np
import pytest

from qnnc import thresholds
from qnnc.thresholds import MAX_LEVELS, NotThresholdable, apply_thresholds, derive_thresholds


def test_too_many_levels_is_refused():
    with pytest.raises(NotThresholdable, match=f"at most {MAX_LEVELS} are supported"):
        derive_thresholds(lambda acc: acc, np.array([0]), np.array([MAX_LEVELS + 1]))


def test_nan_levels_are_refused():
    with pytest.raises(NotThresholdable, match="NaN or infinite"):
        derive_thresholds(lambda acc: acc * np.nan, np.array([0, 0]), np.array([3, 3]))


def test_chunked_check_gives_the_same_counts(monkeypatch):
    t = derive_thresholds(lambda acc: np.floor(acc / 3.0), np.array([-20, -5]), np.array([20, 40]))
    acc = np.stack([np.arange(-20, 21), np.arange(-5, 36)], axis=1)
    whole = apply_thresholds(acc, t)
    monkeypatch.setattr(thresholds, "CHECK_CHUNK", 7)
    assert np.array_equal(apply_thresholds(acc, t), whole)
    assert np.array_equal(whole, np.floor(acc / 3.0).astype(np.int64))

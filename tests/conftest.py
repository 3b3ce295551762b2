"""Shared pytest configuration.

Hypothesis profiles (tests/property):
* `ci` (default): derandomized, so every run draws the same examples; small enough that all
  property tests together take a few minutes on 2 cores.
* `thorough`: `pytest tests/property --hypothesis-profile thorough` — 2000 examples per test,
  random seeds (failures print a reproduction blob).
"""

import os

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("ci", derandomize=True, max_examples=50, deadline=None,
                          print_blob=True, suppress_health_check=_SLOW_OK)
settings.register_profile("thorough", max_examples=2000, deadline=None, print_blob=True,
                          suppress_health_check=_SLOW_OK)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

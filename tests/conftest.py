"""Shared pytest configuration.

Hypothesis profiles (tests/property):
* `ci` (default): derandomized, so every run draws the same examples; small enough that all
  property tests together take a few minutes on 2 cores.
* `thorough`: `pytest tests/property --hypothesis-profile thorough` — 2000 examples per test,
  random seeds (failures print a reproduction blob).
`QNNC_MAX_EXAMPLES=N` overrides the count of the loaded profile (HYPOTHESIS_PROFILE=thorough
QNNC_MAX_EXAMPLES=1000 with two `--hypothesis-seed`s shards a thorough run over two processes).
"""

import os

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("ci", derandomize=True, max_examples=50, deadline=None,
                          print_blob=True, suppress_health_check=_SLOW_OK)
settings.register_profile("thorough", max_examples=2000, deadline=None, print_blob=True,
                          suppress_health_check=_SLOW_OK)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
if os.environ.get("QNNC_MAX_EXAMPLES"):  # e.g. shard a thorough run over processes and seeds
    settings.register_profile("sized", settings(settings(), max_examples=int(os.environ["QNNC_MAX_EXAMPLES"])))
    settings.load_profile("sized")

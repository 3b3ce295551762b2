"""Example counts per Hypothesis profile (the profiles themselves are registered in
tests/conftest.py: `ci`, the default, and `thorough`)."""

from __future__ import annotations

from hypothesis import settings

CI_PROFILE_EXAMPLES = 50


def examples(ci: int) -> int:
    """`ci` examples under the CI profile (more for cheap properties, fewer for ones that build
    a simulator per example); the active profile's own count under any larger profile
    (`--hypothesis-profile thorough`: 2000 for every property)."""
    profile = settings().max_examples
    return profile if profile > CI_PROFILE_EXAMPLES else ci

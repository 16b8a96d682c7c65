"""Suite-wide settings: the hypothesis profiles.

``ci`` (the default, what `make test` runs) is deterministic and has no per-example deadline
(a loaded 2-core machine makes timings meaningless); ``fuzz`` (`make fuzz`, or
HYPOTHESIS_PROFILE=fuzz) explores with many more random examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", deadline=None, derandomize=True, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", deadline=None, max_examples=20_000, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

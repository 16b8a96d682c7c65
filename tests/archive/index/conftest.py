"""Make the repository root importable (``archive``, ``tests.seaweed``) when pytest runs as a script.

Stopgap: ``pythonpath = ["."]`` under ``[tool.pytest.ini_options]`` in pyproject.toml (or an editable
install) makes this unnecessary.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

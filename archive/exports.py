"""Package exports loaded on first use (PEP 562), so importing one light submodule stays light.

Importing ``archive.text.patterns`` runs ``archive/text/__init__.py`` first; if that imported every
name it exports, a command listing the catalog would load trafilatura, lxml and pypdf for nothing.
A package lists its exports as name -> submodule and gets a module ``__getattr__`` that imports the
submodule when the name is first looked up (``from archive.text import main_text`` included).

A name that is also the name of one of the package's submodules (``archive.text.normalise``) cannot
be lazy: importing that submodule binds the name on the package to the module, so
``from archive.text import normalise`` would then give the module.  Import such names eagerly.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, for names exported from its submodules."""

    def __getattr__(name: str) -> Any:
        submodule = exports.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(submodule), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__

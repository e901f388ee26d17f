"""The mechanisms of a day, one module each.

Every ``Module`` subclass defined in a module of this package is a mechanism of the model:
``MODULES`` is found here, not listed by hand, so a new mechanism is one new file.  The
day runs their steps in the order their ``Step`` declarations give (``module.plan``: by
phase, then by data and ``after``; ``GovernanceModel.plan_table()``), checked here at
import; ``MODULES`` is in the order the modules first act, and orders the outcome
catalogue, the DataCollector columns and the parameter table.  A file of this package
that only helps a mechanism defines no ``Module``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from govsim.core.module import Module, check_modules


def _discover() -> tuple[type[Module], ...]:
    found: list[type[Module]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, Module) and obj is not Module and obj.__module__ == mod.__name__:
                found.append(obj)
    first: dict[str, int] = {}
    for i, (m, _) in enumerate(check_modules(found)):
        first.setdefault(m.name, i)
    # in the order they first act in a day (modules without steps last), then by name
    return tuple(sorted(found, key=lambda m: (first.get(m.name, float("inf")), m.name)))


MODULES: tuple[type[Module], ...] = _discover()

__all__ = ["MODULES"]

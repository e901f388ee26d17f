"""The mechanisms of a day, one module each.

Every ``Module`` subclass defined in a module of this package is a mechanism of the model:
``MODULES`` is found here, not listed by hand, so a new mechanism is one new file.  The
day runs their steps in the order their ``Step`` declarations give
(``GovernanceModel.plan_table()``); ``MODULES`` is in the order the modules first act, and
orders the outcome catalogue, the DataCollector columns and the parameter table.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from govsim.core.module import Module


def _discover() -> tuple[type[Module], ...]:
    found: list[type[Module]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, Module) and obj is not Module and obj.__module__ == mod.__name__:
                found.append(obj)
    names = [m.name for m in found]
    dupes = {n for n in names if names.count(n) > 1 or not n}
    if dupes:
        raise ValueError(f"mechanism names must be unique and non-empty: {sorted(dupes)}")
    # in the order they first act in a day (modules without steps last), then by name
    return tuple(sorted(found, key=lambda m: (min((s.at for s in m.steps), default=1e9), m.name)))


MODULES: tuple[type[Module], ...] = _discover()

__all__ = ["MODULES"]

"""Scenario modules; every ``scenario_*`` function in them is collected by test_differential.py."""
import importlib
import pkgutil


def all_scenarios():
    out = []
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if m.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{m.name}")
        for name, fn in vars(mod).items():
            if name.startswith("scenario_") and callable(fn):
                out.append((f"{m.name}.{name[len('scenario_'):]}", fn))
    return out

"""Every module can be the first one imported: the header modules and the .c modules that call
each other (netdevice.h / dev.c, sock.h / sock.c, sch_generic.c / dev.c, ...) bind each other
last, so no import order trips over a half-initialised module."""
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

PROG = r"""
import importlib, pkgutil, sys
import netkernel
names = [m.name for m in pkgutil.walk_packages(netkernel.__path__, "netkernel.")
         if not m.name.endswith("__main__")]
bad = []
for name in names:
    for k in [k for k in sys.modules if k == "netkernel" or k.startswith("netkernel.")]:
        del sys.modules[k]
    try:
        importlib.import_module(name)
    except Exception as e:
        bad.append(f"{name}: {type(e).__name__}: {e}")
print(len(names))
print("\n".join(bad))
"""


def test_every_module_imports_first():
    out = subprocess.run([sys.executable, "-c", PROG], env={"PYTHONPATH": str(SRC)},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    count, *bad = out.stdout.strip().split("\n")
    assert int(count) > 60
    assert not [b for b in bad if b], bad

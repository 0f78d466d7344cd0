"""Print a scenario's observations: python3 -m tests.differential.show [linux|netkernel] [substring...]"""
import json
import sys

from .backends import LinuxBackend, NetkernelBackend
from .scenarios import all_scenarios


def main(argv):
    cls = NetkernelBackend if argv and argv[0] == "netkernel" else LinuxBackend
    if argv and argv[0] in ("linux", "netkernel"):
        argv = argv[1:]
    for name, fn in all_scenarios():
        if argv and not any(a in name for a in argv):
            continue
        b = cls()
        try:
            obs = fn(b)
        except BaseException as e:  # noqa: BLE001 (pytest.skip raises BaseException subclasses)
            obs = f"{type(e).__name__}: {e}"
        finally:
            b.close()
        print(f"== {name}\n{json.dumps(obs, indent=None)}")


if __name__ == "__main__":
    main(sys.argv[1:])

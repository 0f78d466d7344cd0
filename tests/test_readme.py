"""Every snippet of README.md runs as pasted, in order.

The ```python blocks run one after the other in one namespace, in a fresh interpreter (as a person
pastes them into one session). The ```sh blocks run with bash -e as written, `netkernel` and
`python3` being this checkout's; a block that builds the environment (`make`) is left out, and one
marked `# as root` runs only as root, in a private mount and network namespace of its own so its
`ip netns` names cannot collide with anything on the host."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\w*)\s*$")


def blocks(text: str) -> list[tuple[str, int, str]]:
    """(language, first line number of the code, code) of each fenced block, dedented."""
    out = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m and m["lang"]:
            indent, start = m["indent"], i + 1
            j = start
            while j < len(lines) and lines[j].rstrip() != f"{indent}```":
                j += 1
            body = "\n".join(lines[start:j])
            out.append((m["lang"], start + 1, textwrap.dedent(body) + "\n"))
            i = j
        i += 1
    return out


# Runs the python blocks in one namespace; a block's code keeps its README line numbers, so a
# traceback points at the README.
DRIVER = r"""
import json, sys
ns = {"__name__": "__main__"}
for lineno, code in json.load(sys.stdin):
    exec(compile("\n" * (lineno - 1) + code, "README.md", "exec"), ns)
print("all snippets ran")
"""


def run_python_blocks(text: str, cwd: Path) -> subprocess.CompletedProcess:
    code = [(lineno, body) for lang, lineno, body in blocks(text) if lang == "python"]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, "-c", DRIVER], input=json.dumps(code), text=True,
                          capture_output=True, timeout=120, cwd=cwd, env=env)


def _shims(tmp: Path) -> dict:
    """A directory of `netkernel` and `python3` commands that are this checkout's, first on PATH,
    and `src`/`examples` links, so the blocks run as written from a scratch directory."""
    bin_ = tmp / "bin"
    bin_.mkdir()
    for name, line in (("netkernel", f'exec "{sys.executable}" -m netkernel "$@"'),
                       ("python3", f'exec "{sys.executable}" "$@"'),
                       ("python", f'exec "{sys.executable}" "$@"')):
        (bin_ / name).write_text(f"#!/bin/sh\n{line}\n")
        (bin_ / name).chmod(0o755)
    for d in ("src", "examples"):
        (tmp / d).symlink_to(ROOT / d)
    return dict(os.environ, PATH=f"{bin_}:{os.environ['PATH']}", PYTHONPATH=str(ROOT / "src"))


def sh_blocks():
    return [pytest.param(lineno, body, id=f"README.md:{lineno}")
            for lang, lineno, body in blocks(README.read_text()) if lang == "sh"]


def test_readme_has_snippets():
    langs = [lang for lang, _, _ in blocks(README.read_text())]
    assert langs.count("python") >= 3 and langs.count("sh") >= 3


def test_python_snippets_run_in_order(tmp_path):
    r = run_python_blocks(README.read_text(), tmp_path)
    assert r.returncode == 0 and r.stdout.endswith("all snippets ran\n"), r.stderr
    assert (tmp_path / "trace.html").stat().st_size > 0          # written by a snippet
    assert (tmp_path / "out.pcapng").stat().st_size > 0


def test_a_broken_snippet_fails(tmp_path):
    """The runner notices a snippet using a name no earlier snippet defined."""
    text = README.read_text().replace("tx.send(frame)", "tx.send(frame2)", 1)
    r = run_python_blocks(text, tmp_path)
    assert r.returncode != 0
    assert "NameError: name 'frame2' is not defined" in r.stderr and 'File "README.md", line' in r.stderr


@pytest.mark.parametrize("lineno,body", sh_blocks())
def test_sh_snippet_runs(tmp_path, lineno, body):
    commands = [ln for ln in body.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if any(c.startswith("make ") for c in commands):
        pytest.skip("`make` builds the environment this test runs in")
    env = _shims(tmp_path)
    argv = ["bash", "-e", "-c", body]
    if body.lstrip().startswith("# as root"):
        if os.geteuid() != 0:
            pytest.skip("needs root (README marks this block `# as root`)")
        for tool in ("ip", "arping", "unshare", "mount", "tcpdump"):
            if shutil.which(tool) is None:
                pytest.skip(f"needs {tool}")
        if not os.path.exists("/dev/net/tun"):
            pytest.skip("needs /dev/net/tun")
        # own mount + network namespaces: the block's `ip netns add ns1` lands in a private
        # /run/netns and cannot meet another test's namespace of the same name
        argv = ["unshare", "--mount", "--net", "bash", "-e", "-c",
                "mkdir -p /run/netns && mount -t tmpfs nkreadme /run/netns && " + body]
    else:
        assert all(c.startswith(("netkernel ", "PYTHONPATH=src python3 ")) for c in commands), \
            f"README.md:{lineno}: a sh block of netkernel commands (or mark it `# as root`)"
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert r.returncode == 0, f"README.md:{lineno}:\n{r.stdout}\n{r.stderr}"
    assert "Traceback" not in r.stderr

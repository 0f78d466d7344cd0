"""The HTML view of a trace renders in headless Chromium: a non-empty screenshot and the call tree
in the DOM."""
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from netkernel.cli import demo

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


@pytest.fixture(scope="module")
def page():
    d = Path(tempfile.mkdtemp(prefix="nk-html-"))
    f = d / "trace.html"
    with open(f, "w") as out:
        assert demo("html", out) == 0
    yield d, f
    shutil.rmtree(d, ignore_errors=True)


def test_html_is_self_contained(page):
    _, f = page
    text = f.read_text()
    assert "<script src" not in text and "<link" not in text and "http://" not in text
    assert 'data-fn="packet_sendmsg"' in text and "net/packet/af_packet.c" in text


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make test installs it as root)")
def test_html_renders_in_chromium(page):
    d, f = page
    prof = d / "profile"
    common = FLAGS + [f"--user-data-dir={prof}"]
    dom = subprocess.run([CHROMIUM, *common, "--dump-dom", f.as_uri()], capture_output=True,
                         text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for fn in ("sys_socket", "packet_do_bind", "dev_queue_xmit", "packet_rcv", "sys_recvfrom"):
        assert f'data-fn="{fn}"' in dom.stdout
    shot = d / "shot.png"
    r = subprocess.run([CHROMIUM, *common, f"--screenshot={shot}", "--window-size=1200,900",
                        f.as_uri()], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and shot.exists(), r.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    # not a blank page: the image has more than one colour (zlib-compressed rows of a uniform
    # image are tiny; a rendered tree is not)
    import struct
    import zlib
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    assert len(set(raw)) > 16   # text, links, bars: many colours, not a blank page

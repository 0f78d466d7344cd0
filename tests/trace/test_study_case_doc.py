"""docs/study-case.md is what `netkernel demo --format markdown` prints; it must not go stale."""
import io
from pathlib import Path

from netkernel.cli import demo

DOC = Path(__file__).resolve().parents[2] / "docs" / "study-case.md"


def test_study_case_doc_is_current():
    buf = io.StringIO()
    assert demo("markdown", buf) == 0
    # the Reference section after it is tests/hw/aspeed/study_reference.py's (real Linux on QEMU)
    text = DOC.read_text().split('\n## <a name="reference"></a> Reference')[0]
    assert text == buf.getvalue(), (
        "docs/study-case.md is stale: regenerate it with "
        "PYTHONPATH=src:tests/hw/aspeed python tests/hw/aspeed/study_reference.py --write")


def test_study_case_doc_names_every_function_with_its_source():
    text = DOC.read_text()
    for fn, src in (("packet_create", "net/packet/af_packet.c"), ("sock_map_fd", "net/socket.c"),
                    ("dev_queue_xmit", "net/core/dev.c"), ("packet_rcv", "net/packet/af_packet.c"),
                    ("import_single_range", "lib/iov_iter.c")):
        assert f"| `{fn}` | [`{src}`]" in text

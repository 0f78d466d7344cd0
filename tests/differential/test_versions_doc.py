"""docs/kernel-versions.md is the rendering of the scenarios' kernel_differs marks, and the marks
are well-formed."""
import os

from .scenarios import all_scenarios
from .scenarios._common import follows_515
from .versions import render

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "kernel-versions.md")


def test_kernel_versions_doc_is_fresh():
    with open(DOC) as f:
        assert f.read() == render(), "regenerate: python -m tests.differential.versions > docs/kernel-versions.md"


def test_every_mark_declares_since_after_515_and_a_commit():
    marked = [fn for _, fn in all_scenarios() if getattr(fn, "kernel_differs", None)]
    assert marked
    for fn in marked:
        d = fn.kernel_differs
        assert d["since"] > (5, 15) and d["commit"] and d["reason"], fn.__name__


def test_follows_515_by_version_and_backport():
    def fn():
        pass
    fn.kernel_differs = {"since": (6, 6), "backported": {"6.1": "6.1.y"}}
    assert follows_515(fn, (5, 15)) and follows_515(fn, (6, 5))
    assert not follows_515(fn, (6, 1))            # the 6.1 line carries the backport
    assert not follows_515(fn, (6, 6)) and not follows_515(fn, (6, 18))

"""Smoke test of bench/suite.py (`make bench`): every figure is measured on netkernel (and on the
real kernel when root can make namespaces) with tiny counts, every frame arrives, the results
are JSON. Never asserts on timings."""
import json
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "bench"))
import suite  # noqa: E402


def test_every_figure_is_measured_and_moves_its_frames(tmp_path):
    res = suite.run(repeat=1, count=64, target=0.01, scale=(20,), real_scale=(20,),
                    memory=(20, 50),
                    only=set(suite.RATE_FIGURES) | {"tracing", "memory", "scale"})
    figs = res["figures"]
    for name in suite.RATE_FIGURES:
        row = figs[name]
        assert row["netkernel"] > 0 and all(row["ok"].values()), name
        if res["real_skipped"] is None:
            assert row["real"] > 0 and row["ratio"] > 0
    assert figs["tracing on: per syscall"]["nodes_per_syscall"] > 10
    assert figs["memory per queued frame"]["netkernel"] > 0
    assert figs["memory per idle socket"]["netkernel"] > 0
    assert figs["scale 20 netns: build time"]["ok"]
    if res["real_skipped"] is None:
        assert figs["memory per queued frame"]["real"] > 0
        row = figs["scale 20 netns: build time"]
        assert row["real"] is not None or row["real_note"], row   # a value, or why not
    path = tmp_path / "results.json"
    path.write_text(json.dumps(res, default=str))
    suite.print_table(json.loads(path.read_text()))

"""docs/study-case.md's Reference section is the rendering of tests/data/ast2500 next to
netkernel's run; it must not go stale (regenerate with the command in study_reference.py)."""
import study_reference


def test_the_reference_section_is_current():
    with open(study_reference.DOC) as f:
        doc = f.read()
    i = doc.find(study_reference.HEADING)
    assert i >= 0, "docs/study-case.md has no Reference section"
    assert doc[i:] == study_reference.render(), (
        "stale: PYTHONPATH=src:tests/hw/aspeed python tests/hw/aspeed/study_reference.py --write")

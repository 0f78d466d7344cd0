"""Parse the study note's ASCII call graphs (tests/data/study_note_diagrams.txt) into edges.

A box is a line part `| name |` framed by `+---+` borders. Its parent is the box whose bottom
border carries a descender `|` in the column where the arrow leading to this box starts
(`|-->` / `+-->` on the box's line, or on the `call ...` line above an `e.g., | box |`), or, for a
box drawn without a descender, the nearest box above spanning that column.
"""
from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "study_note_diagrams.txt"
_BOX = re.compile(r"\| ([A-Za-z_][A-Za-z0-9_]*) \|")


def diagrams() -> list[list[str]]:
    text = "\n".join(line for line in DATA.read_text().splitlines() if not line.startswith("#"))
    return [block.splitlines() for block in text.split("---\n")]


def _descender(lines: list[str], row: int, col: int, width: int) -> int | None:
    if row + 1 >= len(lines):
        return None
    border = lines[row + 1][col:col + width]
    if not border.startswith("+"):
        return None
    i = border.find("|")
    return col + i if i > 0 else None


def _arrow_origin(lines: list[str], row: int, col: int) -> int | None:
    line = lines[row]
    left = line[:col]
    m = re.search(r"([|+])-+> *$", left)
    if m:
        return m.start(1)
    if left.rstrip().endswith("e.g.,"):
        for r in range(row - 1, -1, -1):
            m = re.search(r"([|+])-+> call ", lines[r])
            if m:
                return m.start(1)
    return None


def edges(lines: list[str]) -> list[tuple[str, str]]:
    boxes = []   # (row, name, descender column)
    out = []
    for row, line in enumerate(lines):
        for m in _BOX.finditer(line):
            col = m.start()
            name = m.group(1)
            origin = _arrow_origin(lines, row, col)
            if origin is not None:
                parent = next((b for b in reversed(boxes) if b[2] == origin), None)
                if parent is None:   # a box drawn without a descender: the line starts below it
                    parent = next((b for b in reversed(boxes) if b[3] < origin < b[3] + b[4]), None)
                if parent is None:
                    raise ValueError(f"no parent for {name} at row {row}")
                out.append((parent[1], name))
            width = m.end() - col
            boxes.append((row, name, _descender(lines, row, col, width), col, width))
    return out

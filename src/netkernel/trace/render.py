"""Renderers for traces: the study note's boxes, ftrace's function_graph, a tree, markdown, HTML."""
from __future__ import annotations

import html
import json

ELIXIR = "https://elixir.bootlin.com/linux/v5.15/source/"


def render(roots, fmt: str) -> str:
    try:
        fn = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown trace format {fmt!r}; one of {', '.join(RENDERERS)}") from None
    return fn(roots)


# ---------------------------------------------------------------- boxes

def _box(node) -> list[str]:
    """A node and its callees in the study note's style, relative to the box's left edge."""
    name = node.function
    w = len(name) + 2
    top = "+" + "-" * w + "+"
    mid = "| " + name + " |"
    if node.comment:
        mid += " " + node.comment
    kids = node.children
    bottom = ("+--|" + "-" * (w - 3) + "+") if kids else top
    lines = [top, mid, bottom]
    for i, child in enumerate(kids):
        last = i == len(kids) - 1
        cont = "        " if last else "   |    "
        arrow = "   +--> " if last else "   |--> "
        sub = _box(child)
        if child.via:
            # an indirect call: "call ->op()" and the implementation as an example
            lines.append("   |")
            lines.append(arrow + "call " + child.via)
            pad = " " * 6
            lines.append(cont + pad + sub[0])
            lines.append(cont + "e.g., " + sub[1])
            lines.extend(cont + pad + s for s in sub[2:])
        else:
            lines.append("   |    " + sub[0])
            lines.append(arrow + sub[1])
            lines.extend(cont + s for s in sub[2:])
    return lines


def boxes(roots) -> str:
    return "\n\n".join("\n".join(line.rstrip() for line in _box(r)) for r in roots)


# ---------------------------------------------------------------- function_graph

def function_graph(roots) -> str:
    """ftrace's function_graph layout: ` CPU) duration |  func() {`."""
    lines = ["# CPU  DURATION                  FUNCTION CALLS",
             "# |     |   |                     |   |   |   |"]

    def dur(ns: int) -> str:
        return f"{ns / 1000:8.3f} us"

    def walk(n, depth):
        pad = "  " * depth
        if n.children:
            lines.append(f" 0) {'':>11} |  {pad}{n.function}() {{")
            for c in n.children:
                walk(c, depth + 1)
            lines.append(f" 0) {dur(n.duration_ns)} |  {pad}}} /* {n.function} */")
        else:
            lines.append(f" 0) {dur(n.duration_ns)} |  {pad}{n.function}();")
    for r in roots:
        walk(r, 0)
    return "\n".join(lines)


# ---------------------------------------------------------------- tree / json / markdown

def tree(roots) -> str:
    lines = []

    def walk(n, depth):
        args = ", ".join(f"{k}={v}" for k, v in n.args.items())
        label = "  " * depth + n.function + (f"({args})" if args else "")
        lines.append(f"{label:<56} {n.source}")
        for c in n.children:
            walk(c, depth + 1)
    for r in roots:
        walk(r, 0)
    return "\n".join(lines)


def to_json(roots) -> str:
    return json.dumps([r.to_dict() for r in roots], indent=1)


def markdown(roots) -> str:
    """Each root's diagram, then the functions it runs with their source files (a reference)."""
    out = []
    for r in roots:
        out.append(f"### `{r.function}`\n")
        out.append("```\n" + "\n".join(line.rstrip() for line in _box(r)) + "\n```\n")
        seen = {}
        for n in r.walk():
            seen.setdefault(n.function, n.source)
        out.append("| function | defined in (Linux 5.15) |\n|---|---|")
        out.extend(f"| `{f}` | [`{s}`]({ELIXIR}{s}) |" for f, s in seen.items())
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- html

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d2330}
h1{font-size:1.3em} details{margin-left:1.2em} summary{cursor:pointer;white-space:nowrap}
.fn{font-family:ui-monospace,monospace;font-weight:600} a{color:#1a5fb4;text-decoration:none}
.src{color:#666;font-size:.85em;margin-left:.6em} .args{color:#6a3d9a;font-size:.85em}
.err{color:#c01c28;font-weight:600} .bar{display:inline-block;height:.7em;background:#62a0ea;
margin-left:.6em;vertical-align:middle;border-radius:2px} .dur{color:#555;font-size:.8em}
.root{border-top:1px solid #ddd;padding-top:.4em;margin-top:.4em}
"""


def _html_node(n, total: int) -> str:
    width = max(1, int(300 * n.duration_ns / total)) if total else 1
    args = ", ".join(f"{k}={v}" for k, v in n.args.items() if k != "errno")
    err = f' <span class="err">{html.escape(n.args["errno"])}</span>' if "errno" in n.args else ""
    label = (f'<span class="fn" data-fn="{html.escape(n.function)}">{html.escape(n.function)}</span>'
             f'<span class="args">({html.escape(args)})</span>{err}'
             f'<a class="src" href="{ELIXIR}{html.escape(n.source)}">{html.escape(n.source)}</a>'
             f'<span class="bar" style="width:{width}px"></span>'
             f'<span class="dur"> {n.duration_ns / 1000:.1f} µs</span>')
    if not n.children:
        return f'<div class="leaf" style="margin-left:1.2em">{label}</div>'
    inner = "".join(_html_node(c, total) for c in n.children)
    return f"<details open><summary>{label}</summary>{inner}</details>"


def to_html(roots) -> str:
    body = "".join(f'<div class="root">{_html_node(r, r.duration_ns or 1)}</div>' for r in roots)
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>netkernel trace</title>"
            f"<style>{_CSS}</style></head><body><h1>netkernel trace — Linux 5.15 call graph</h1>"
            f"{body}</body></html>")


RENDERERS = {"boxes": boxes, "function_graph": function_graph, "tree": tree, "json": to_json,
             "markdown": markdown, "html": to_html}

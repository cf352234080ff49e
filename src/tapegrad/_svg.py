"""A small layered graph layout written out as SVG, so pictures need no Graphviz.

The layout follows the classic recipe for drawing directed acyclic graphs in layers:

1. *Rows*: a node's row is its longest distance to a sink (a node without outgoing edges), so
   every edge points down and the sinks sit on the bottom row.  When edges carry labels every
   distance is doubled, leaving a free row in the middle of each edge for its label.
2. *Virtual points*: an edge spanning several rows gets one invisible point per row it crosses;
   these take part in the ordering like nodes, so long edges bend around boxes instead of
   cutting through them.  A labelled edge's middle point is as wide as its label.
3. *Order*: within a row, nodes are sorted by the mean position of their neighbours in the row
   above (sweeping down) or below (sweeping up); the order with the fewest crossings is kept.
4. *Coordinates*: each node is pulled towards its neighbours' mean x while keeping a minimum gap,
   once packing leftwards and once rightwards, and the two placements are averaged.

Edges are cubic curves through their points, leaving and entering nodes vertically, with an
arrowhead at the head.  Node attributes are the DOT ones ``viz.Graph`` already uses: ``label``,
``shape`` (``box`` or ``ellipse``), ``style`` (``filled``, ``rounded``, ``dashed``) and
``fillcolor``; an edge may have a ``label``.  Text is monospace and escaped for XML.
"""
from __future__ import annotations

from bisect import bisect_right, insort
from typing import Dict, List, Mapping, Sequence, Tuple
from xml.sax.saxutils import escape, quoteattr

__all__ = ["render"]

CHAR_W = 6.2       # width of one monospace character at FONT_SIZE (DejaVu Sans Mono is 0.6 em)
LINE_H = 13.0      # height of one text line
FONT_SIZE = 10
PAD_X, PAD_Y = 8.0, 5.0
GAP_X = 18.0       # minimum horizontal space between neighbours in a row
GAP_Y = 30.0       # vertical space between rows (half of it when edges carry labels)
MARGIN = 12.0
SWEEPS = 8

# X11 colour names that DOT accepts and SVG does not.
_COLOURS = {"darkolivegreen1": "#caff70", "lightgoldenrod1": "#ffec8b", "palegreen1": "#9aff9a"}


class _Item:
    """A node or a virtual point of an edge, with its size and place in the layout."""

    __slots__ = ("lines", "attrs", "width", "height", "row", "x", "real", "anchor")

    def __init__(self, lines: List[str], attrs: Mapping[str, str], real: bool) -> None:
        self.lines, self.attrs, self.real = lines, attrs, real
        text_w = max((len(s) for s in lines), default=0) * CHAR_W
        text_h = len(lines) * LINE_H
        if not real:
            self.width = text_w + (2 * PAD_X if lines else 0.0)
            self.height = text_h
        elif attrs.get("shape") == "ellipse":
            self.width = text_w * 1.2 + 3 * PAD_X
            self.height = text_h * 1.2 + 2 * PAD_Y + 4
        else:
            self.width = text_w + 2 * PAD_X
            self.height = text_h + 2 * PAD_Y
        self.row = 0
        self.x = 0.0
        # where edges pass, relative to the centre: a label's edge runs down its left side
        self.anchor = -(self.width / 2 - PAD_X / 2) if lines and not real else 0.0


def _rows(ids: List[str], edges: Sequence[Tuple[str, str]]) -> Dict[str, int]:
    """Longest distance from each node to a sink, found without recursion (Kahn's algorithm)."""
    out_left = {n: 0 for n in ids}
    into: Dict[str, List[str]] = {n: [] for n in ids}
    for tail, head in edges:
        if tail != head:
            out_left[tail] += 1
            into[head].append(tail)
    depth = {n: 0 for n in ids}
    ready = [n for n in ids if out_left[n] == 0]
    while ready:
        node = ready.pop()
        for tail in into[node]:
            depth[tail] = max(depth[tail], depth[node] + 1)
            out_left[tail] -= 1
            if out_left[tail] == 0:
                ready.append(tail)
    return depth  # nodes on a cycle keep the depth reached so far; their edges may point up


def _crossings(upper: List[_Item], lower: List[_Item], down: Dict[int, List[_Item]]) -> int:
    """Edge crossings between two adjacent rows (inversions of the lower endpoints)."""
    pos_lower = {id(it): i for i, it in enumerate(lower)}
    ends = [pos_lower[id(t)] for it in upper for t in sorted(
        down.get(id(it), ()), key=lambda t: pos_lower.get(id(t), -1)) if id(t) in pos_lower]
    seen: List[int] = []
    count = 0
    for e in ends:
        count += len(seen) - bisect_right(seen, e)
        insort(seen, e)
    return count


def _order(rows: List[List[_Item]], up: Dict[int, List[_Item]],
           down: Dict[int, List[_Item]]) -> None:
    """Barycentre sweeps, keeping the order with the fewest crossings (rows change in place)."""
    def total() -> int:
        return sum(_crossings(rows[r], rows[r + 1], down) for r in range(len(rows) - 1))

    best, best_rows = total(), [list(r) for r in rows]
    for sweep in range(SWEEPS):
        if best == 0:
            break
        going_down = sweep % 2 == 0
        span = range(1, len(rows)) if going_down else range(len(rows) - 2, -1, -1)
        for r in span:
            ref = rows[r - 1] if going_down else rows[r + 1]
            pos = {id(it): i for i, it in enumerate(ref)}
            nbrs = up if going_down else down

            def key(item: _Item, i: int) -> float:
                ps = [pos[id(n)] for n in nbrs.get(id(item), ()) if id(n) in pos]
                return sum(ps) / len(ps) if ps else i * len(ref) / max(len(rows[r]), 1)
            keyed = [(key(it, i), i, it) for i, it in enumerate(rows[r])]
            rows[r][:] = [it for _, _, it in sorted(keyed, key=lambda k: (k[0], k[1]))]
        now = total()
        if now < best:
            best, best_rows = now, [list(r) for r in rows]
    rows[:] = best_rows


def _place(rows: List[List[_Item]], up: Dict[int, List[_Item]],
           down: Dict[int, List[_Item]]) -> None:
    """Horizontal centres: pull nodes to their neighbours, keep the order and the gaps."""
    for row in rows:
        x = 0.0
        for it in row:
            it.x = x + it.width / 2
            x += it.width + GAP_X

    def settle(row: List[_Item], nbrs: Dict[int, List[_Item]]) -> None:
        want = []
        for it in row:
            ns = nbrs.get(id(it), ())
            want.append(sum(n.x + n.anchor for n in ns) / len(ns) - it.anchor if ns else it.x)
        left = list(want)
        for i in range(1, len(row)):  # push right where neighbours overlap
            gap = (row[i - 1].width + row[i].width) / 2 + GAP_X
            left[i] = max(left[i], left[i - 1] + gap)
        right = list(want)
        for i in range(len(row) - 2, -1, -1):  # push left
            gap = (row[i + 1].width + row[i].width) / 2 + GAP_X
            right[i] = min(right[i], right[i + 1] - gap)
        for it, a, b in zip(row, left, right):
            it.x = (a + b) / 2

    for _ in range(4):
        for row in rows[1:]:
            settle(row, up)
        for row in reversed(rows[:-1]):
            settle(row, down)


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _colour(name: str) -> str:
    return _COLOURS.get(name.lower(), name)


def _port(item: _Item, dx: float, top: float, bottom: bool) -> Tuple[float, float]:
    """Where an edge meets ``item``: ``dx`` from its centre on the top or bottom side."""
    half_h = item.height / 2
    if item.real and item.attrs.get("shape") == "ellipse":
        rx = item.width / 2
        half_h *= max(0.0, 1 - (dx / rx) ** 2) ** 0.5
    cy = top + item.height / 2
    return item.x + dx, cy + half_h if bottom else cy - half_h


def _spread(n: int, width: float) -> List[float]:
    """Offsets of ``n`` ports along a side of the given width."""
    if n == 1:
        return [0.0]
    span = width * 0.5
    return [-span / 2 + span * i / (n - 1) for i in range(n)]


def render(nodes: Sequence[Tuple[str, Mapping[str, str]]],
           edges: Sequence[Tuple[str, str, Mapping[str, str]]], title: str = "") -> str:
    """SVG text for the graph: ``nodes`` are ``(id, attrs)``, ``edges`` ``(tail, head, attrs)``."""
    items: Dict[str, _Item] = {}
    for nid, attrs in nodes:
        if nid not in items:
            items[nid] = _Item(str(attrs.get("label", nid)).split("\n"), attrs, True)
    for tail, head, _ in edges:
        for nid in (tail, head):
            if nid not in items:
                items[nid] = _Item([nid], {}, True)
    labelled = any(a.get("label") for _, _, a in edges)
    depth = _rows(list(items), [(t, h) for t, h, _ in edges])
    top_depth = max(depth.values(), default=0)
    step = 2 if labelled else 1
    for nid, it in items.items():
        it.row = (top_depth - depth[nid]) * step
    n_rows = top_depth * step + 1
    rows: List[List[_Item]] = [[] for _ in range(n_rows)]
    for it in items.values():
        rows[it.row].append(it)

    # Each edge becomes a chain of items from tail to head, one per row it crosses.
    chains: List[List[_Item]] = []
    up: Dict[int, List[_Item]] = {}
    down: Dict[int, List[_Item]] = {}
    for tail, head, attrs in edges:
        a, b = items[tail], items[head]
        chain = [a]
        if b.row > a.row:
            mid = (a.row + b.row) // 2
            for r in range(a.row + 1, b.row):
                text = str(attrs.get("label", "")).split("\n") if r == mid and attrs.get(
                    "label") else []
                point = _Item(text, {}, False)
                point.row = r
                rows[r].append(point)
                chain.append(point)
        chain.append(b)
        for u, v in zip(chain, chain[1:]):
            if v.row > u.row:
                down.setdefault(id(u), []).append(v)
                up.setdefault(id(v), []).append(u)
        chains.append(chain)

    _order(rows, up, down)
    _place(rows, up, down)

    gap_y = GAP_Y / 2 if labelled else GAP_Y
    heights = [max((it.height for it in row), default=0.0) for row in rows]
    tops, y = [], MARGIN
    for h in heights:
        tops.append(y)
        y += h + gap_y
    height = y - gap_y + MARGIN
    left = min((it.x - it.width / 2 for row in rows for it in row), default=0.0)
    right = max((it.x + it.width / 2 for row in rows for it in row), default=0.0)
    shift = MARGIN - left
    for row in rows:
        for it in row:
            it.x += shift
    width = right - left + 2 * MARGIN

    def top_of(it: _Item) -> float:
        return tops[it.row] + (heights[it.row] - it.height) / 2

    # Ports: spread the edges leaving (entering) a node along its bottom (top) side.
    out_ports: Dict[int, List[int]] = {}
    in_ports: Dict[int, List[int]] = {}
    for i, chain in enumerate(chains):
        out_ports.setdefault(id(chain[0]), []).append(i)
        in_ports.setdefault(id(chain[-1]), []).append(i)
    start_dx: Dict[int, float] = {}
    end_dx: Dict[int, float] = {}
    for ports, at, nxt, store in ((out_ports, 0, 1, start_dx), (in_ports, -1, -2, end_dx)):
        for edge_ids in ports.values():
            item = chains[edge_ids[0]][at]
            edge_ids.sort(key=lambda i: (chains[i][nxt].x + chains[i][nxt].anchor, i))
            for i, dx in zip(edge_ids, _spread(len(edge_ids), item.width)):
                store[i] = dx

    out = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{_fmt(width)}pt" '
           f'height="{_fmt(height)}pt" viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
           f'font-family="monospace" font-size="{FONT_SIZE}">',
           '<defs><marker id="tapegrad-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
           'markerWidth="7" markerHeight="7" orient="auto">'
           '<path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>',
           f'<g class="graph"><title>{escape(title)}</title>',
           f'<rect x="0" y="0" width="{_fmt(width)}" height="{_fmt(height)}" fill="white"/>']

    for i, (chain, (tail, head, attrs)) in enumerate(zip(chains, edges)):
        out.append(f'<g id="edge{i + 1}" class="edge"><title>{escape(f"{tail}->{head}")}</title>')
        a, b = chain[0], chain[-1]
        if b.row <= a.row:  # only on a cycle: a straight line between centres
            ya, yb = top_of(a) + a.height / 2, top_of(b) + b.height / 2
            d = f"M {_fmt(a.x)} {_fmt(ya)} L {_fmt(b.x)} {_fmt(yb)}"
            label_at = ((a.x + b.x) / 2, (ya + yb) / 2)
        else:
            pts = [_port(a, start_dx[i], top_of(a), True)]
            label_at = None
            for p in chain[1:-1]:
                px, py = p.x + p.anchor, tops[p.row] + heights[p.row] / 2
                if p.lines:
                    label_at = (px + PAD_X / 2, py - p.height / 2)
                pts.append((px, py))
            pts.append(_port(b, end_dx[i], top_of(b), False))
            d = f"M {_fmt(pts[0][0])} {_fmt(pts[0][1])}"
            for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
                ym = (y0 + y1) / 2
                d += f" C {_fmt(x0)} {_fmt(ym)} {_fmt(x1)} {_fmt(ym)} {_fmt(x1)} {_fmt(y1)}"
        out.append(f'<path d="{d}" fill="none" stroke="#333" stroke-width="1" '
                   'marker-end="url(#tapegrad-arrow)"/>')
        label = str(attrs.get("label", ""))
        if label and label_at is not None:
            x0, y0 = label_at
            for k, line in enumerate(label.split("\n")):
                out.append(f'<text x="{_fmt(x0)}" y="{_fmt(y0 + (k + 0.8) * LINE_H)}" '
                           f'fill="#1f4e99">{escape(line)}</text>')
        out.append("</g>")

    for k, (nid, it) in enumerate(items.items()):
        out += _node_svg(k + 1, nid, it, top_of(it))
    out.append("</g>\n</svg>\n")
    return "\n".join(out)


def _node_svg(number: int, nid: str, it: _Item, top: float) -> List[str]:
    """A node's group: its shape (box, rounded box or ellipse) and its label lines."""
    attrs = it.attrs
    style = str(attrs.get("style", ""))
    fill = _colour(str(attrs.get("fillcolor", "lightgrey"))) if "filled" in style else "white"
    dash = ' stroke-dasharray="4,3"' if "dashed" in style else ""
    cx = it.x
    out = [f'<g id="node{number}" class="node"><title>{escape(nid)}</title>']
    if attrs.get("shape") == "ellipse":
        out.append(f'<ellipse cx="{_fmt(cx)}" cy="{_fmt(top + it.height / 2)}" '
                   f'rx="{_fmt(it.width / 2)}" ry="{_fmt(it.height / 2)}" '
                   f'fill={quoteattr(fill)} stroke="#333"{dash}/>')
    else:
        radius = ' rx="6" ry="6"' if "rounded" in style else ""
        out.append(f'<rect x="{_fmt(cx - it.width / 2)}" y="{_fmt(top)}" '
                   f'width="{_fmt(it.width)}" height="{_fmt(it.height)}"{radius} '
                   f'fill={quoteattr(fill)} stroke="#333"{dash}/>')
    text_top = top + (it.height - len(it.lines) * LINE_H) / 2
    for j, line in enumerate(it.lines):
        out.append(f'<text x="{_fmt(cx)}" y="{_fmt(text_top + (j + 0.8) * LINE_H)}" '
                   f'text-anchor="middle" xml:space="preserve">{escape(line)}</text>')
    out.append("</g>")
    return out

"""The project's import graph (grimp, the engine import-linter uses), for the structure tests.

Every import counts: module level, inside functions, and under ``TYPE_CHECKING`` (a type-only
import still ties two modules together for a reader and a type checker).
"""

from __future__ import annotations

import functools
import sys

import grimp

PACKAGES = ("pos_member", "pos_central")


@functools.cache
def graph(external: bool = False) -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=external, cache_dir=None)


def project_edges(g: grimp.ImportGraph) -> dict[str, set[str]]:
    mods = {m for m in g.modules if m.split(".")[0] in PACKAGES}
    return {m: {w for w in g.find_modules_directly_imported_by(m) if w in mods} for m in mods}


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[frozenset[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
                if low[v] == index[v]:
                    comp = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.add(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(frozenset(comp))
    return out


def describe(g: grimp.ImportGraph, component: frozenset[str]) -> str:
    """The imports inside one cycle, with their lines (what to cut)."""
    lines = []
    for m in sorted(component):
        for w in sorted(g.find_modules_directly_imported_by(m) & component):
            where = ", ".join(str(d["line_number"])
                              for d in g.get_import_details(importer=m, imported=w))
            lines.append(f"  {m} -> {w} (line {where})")
    return "\n".join(lines)


def stdlib(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names

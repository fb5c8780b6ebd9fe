"""Issue 22: modules use each other's public names only and no import cycle, at any level (a function-level import
is an edge too: ``__main__`` <-> ``export`` through ``_open``, ``reports`` <-> ``valuation`` were cycles)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "credits_core"


def edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in ROOT.glob("*.py"):
        name = path.stem
        graph[name] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 and node.module:
                    graph[name].add(node.module.split(".")[0])
                elif node.level == 1:
                    graph[name] |= {a.name for a in node.names}
                elif node.module and node.module.startswith("credits_core."):
                    graph[name].add(node.module.split(".")[1])
    return graph


def test_no_import_cycle():
    graph = edges()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_engine_function_runs_past_a_hundred_lines():
    """Issue 22: write_workbook (166 lines), import_file (174, six nested closures) and prepare_messages (105) were
    split; a function this long hides what it does and resists review."""
    import ast

    long = []
    files = sorted(ROOT.glob("*.py"))
    assert len(files) > 20
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 100:
                long.append(f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert long == []

"""The shape of the code a newcomer reads: no import cycle between modules (a function-level import is an edge too:
``__main__`` <-> ``export`` through ``_open`` and ``reports`` <-> ``valuation`` were cycles), and no module or function
so long that it hides what it does unless the reason is written beside it.

The size rule (``docs/rules.md`` is about the ledger; this is about the house): a module of ``credits_core`` or
``app_pages`` over 400 lines carries a line ``Long module: <why>`` in its docstring, a function over 60 lines a comment
``# Long: <why>`` just above its ``def`` (or its decorators). A reason is a sentence, not a word."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "credits_core"
MODULE_LINES = 400
FUNCTION_LINES = 60


def module_name(path: Path, base: Path = REPO) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def edges(base: Path = REPO) -> dict[str, set[str]]:
    """Module -> the ``credits_core`` modules it imports (anywhere in it). ``from credits_core.x import y`` is an edge
    to ``credits_core.x.y`` when that is a module, else to ``credits_core.x`` (its face)."""
    files = {module_name(p, base): p for p in (base / "credits_core").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        graph[name] = set()
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    target = f"{anchor}.{node.module}" if node.module else anchor
                else:
                    target = node.module or ""
                if not target.startswith("credits_core"):
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    graph[name].add(sub if sub in files else target)
            elif isinstance(node, ast.Import):
                graph[name] |= {a.name for a in node.names if a.name in files}
        graph[name].discard(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def test_no_import_cycle():
    graph = edges()
    assert len(graph) > 40 and "credits_core.store.reads" in graph["credits_core.store.credit_store"]
    assert "credits_core.ledger" in graph["credits_core.store.reads"]  # a face
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_through_a_face(tmp_path):
    """The check can fail: a module that imports a package whose face imports it back is a cycle."""
    core = tmp_path / "credits_core"
    (core / "a").mkdir(parents=True)
    (core / "__init__.py").write_text("")
    (core / "a" / "__init__.py").write_text("from credits_core.a.one import f\n")
    (core / "a" / "one.py").write_text("def f():\n    from credits_core.b import g\n")
    (core / "b.py").write_text("from credits_core.a import f\n")
    assert cycles(edges(tmp_path)) != []


def long_without_reason(source: str) -> tuple[bool, list[str]]:
    """(whether the module is long without a reason, the long functions without one) of one module's source."""
    lines = source.splitlines()
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    module_bad = len(lines) > MODULE_LINES and not re.search(r"Long module: \S+ \S+ \S+", doc)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            size = node.end_lineno - node.lineno + 1
            top = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            k = top - 2
            while k > 0 and lines[k - 1].strip().startswith("#") and not lines[k].strip().startswith("# Long:"):
                k -= 1  # the comment block just above the def, whose first line says why
            above = lines[k].strip() if k >= 0 else ""
            if size > FUNCTION_LINES and not re.match(r"# Long: \S+ \S+ \S+", above):
                bad.append(f"{node.name} ({size} lines)")
    return module_bad, bad


def test_long_modules_and_functions_say_why():
    said = []
    files = sorted([*ROOT.rglob("*.py"), *(REPO / "app_pages").rglob("*.py"), REPO / "app.py", REPO / "serve.py"])
    assert len(files) > 50
    for path in files:
        module_bad, bad = long_without_reason(path.read_text())
        name = path.relative_to(REPO)
        if module_bad:
            said.append(f"{name}: over {MODULE_LINES} lines and no 'Long module:' reason in its docstring")
        said += [f"{name}: {b} and no '# Long:' reason above it" for b in bad]
    assert said == []


def test_the_size_rule_can_fail():
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    plain = f'"""A module."""\n\n\ndef f():\n{body}\n'
    assert long_without_reason(plain) == (False, ["f (71 lines)"])
    reasoned = f'"""A module."""\n\n\n# Long: one table of seventy rows,\n# said on two lines.\ndef f():\n{body}\n'
    assert long_without_reason(reasoned) == (False, [])
    apart = f'"""A module."""\n\n# Long: one table of seventy rows.\nx = 1\n# a comment\ndef f():\n{body}\n'
    assert long_without_reason(apart) == (False, ["f (71 lines)"])
    big = '"""A module."""\n' + "x = 1\n" * 450
    assert long_without_reason(big)[0] is True
    reasoned = '"""A module.\n\nLong module: the rules in one place."""\n' + "x = 1\n" * 450
    assert long_without_reason(reasoned)[0] is False

"""The packages of credits_core are layers, and nothing imports upward (issue 33).

    language < ledger < storage < store < reporting < {planning, exports} < sources < cli

and: nothing in credits_core imports streamlit; the ledger never imports duckdb; nothing above the store imports the
journal or the snapshot; planning and exports never import each other. The check reads the imports (``ast``), so it
also sees the ones made inside functions; it is run on a small tree with an import upward to show it fails then."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = {"language": -1, "ledger": 0, "storage": 1, "store": 2, "reporting": 3, "planning": 4, "exports": 4,
         "sources": 5,
         "cli": 6}
APART = {("planning", "exports"), ("exports", "planning")}
STORAGE_INSIDES = ("credits_core.storage.journal", "credits_core.storage.snapshot")


def imports(path: Path, package: str) -> list[tuple[int, str]]:
    """Every module a file imports (absolute names), with its line."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join([*base, *([node.module] if node.module else [])])
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names]  # a submodule imported by name
    return out


def problems(root: Path) -> list[str]:
    """Every import that breaks the layers, as 'file:line: why'."""
    found = []
    core = root / "credits_core"
    for path in sorted(core.rglob("*.py")):
        rel = path.relative_to(root)
        parts = rel.with_suffix("").parts
        layer = parts[1] if len(parts) > 2 else None  # credits_core/<layer>/...; the top face and __main__: none
        package = ".".join(parts[:-1]) if parts[-1] != "__init__" else ".".join(parts[:-1])
        for line, mod in imports(path, package):
            where = f"{rel}:{line}"
            top = mod.split(".")[0]
            if top == "streamlit":
                found.append(f"{where}: credits_core imports streamlit")
            if layer == "ledger" and top == "duckdb":
                found.append(f"{where}: the ledger imports duckdb")
            if not mod.startswith("credits_core.") or layer is None:
                continue
            target = mod.split(".")[1]
            if target not in ORDER:
                continue  # a name of the top face (credits_core.CreditStore ...)
            if ORDER[target] > ORDER[layer]:
                found.append(f"{where}: {layer} imports {mod} (upward: {target})")
            if (layer, target) in APART:
                found.append(f"{where}: {layer} imports {mod} ({layer} and {target} never import each other)")
            if ORDER[layer] > ORDER["store"] and mod.startswith(STORAGE_INSIDES):
                found.append(f"{where}: {layer} imports {mod} (above the store, never the journal or the snapshot)")
    return found


def test_nothing_imports_upward():
    assert problems(ROOT) == []


def test_every_module_lies_in_a_layer():
    loose = [p.name for p in (ROOT / "credits_core").glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert loose == [], f"modules outside the layer packages: {loose}"
    assert {p.name for p in (ROOT / "credits_core").iterdir() if p.is_dir() and p.name != "__pycache__"} == set(ORDER)


def test_the_check_fails_on_an_import_upward(tmp_path):
    core = tmp_path / "credits_core"
    for layer in ("ledger", "store", "reporting", "planning", "exports"):
        (core / layer).mkdir(parents=True)
        (core / layer / "__init__.py").write_text("")
    (core / "ledger" / "rules.py").write_text("from credits_core.store import CreditStore\nimport duckdb\n")
    deferred = "def f():\n    from credits_core.storage.journal import ROLLUP_SELECT\n"
    (core / "reporting" / "usage.py").write_text(deferred)
    (core / "planning" / "advice.py").write_text("from credits_core.exports import write_workbook\nimport streamlit\n")
    said = problems(tmp_path)
    assert any("ledger/rules.py:1: ledger imports credits_core.store (upward" in s for s in said), said
    assert any("the ledger imports duckdb" in s for s in said)
    assert any("reporting/usage.py:2" in s and "never the journal" in s for s in said)
    assert any("planning and exports never import each other" in s for s in said)
    assert any("credits_core imports streamlit" in s for s in said)


STORE_NAMES = {"store", "s", "gate", "reader"}  # what the engine calls the store it is given (a DataFrame's
# ``assign`` is not the store's)


def writes_called(package: Path) -> list[str]:
    """``file:line: name`` for every call of a store write (a method marked ``@writes``) under ``package``."""
    from credits_core.store import WRITES

    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in STORE_NAMES:
                found.append(f"{path.relative_to(package.parent)}:{node.lineno}: {node.func.attr}")
    return found


def test_reporting_never_writes():
    """Reading never writes: nothing in ``reporting`` calls a store write (the writes are the ``@writes`` marks)."""
    assert writes_called(ROOT / "credits_core" / "reporting") == []
    assert writes_called(ROOT / "credits_core" / "planning")  # it sees the writes there are (limits, campaigns)


def test_the_write_check_can_fail(tmp_path):
    (tmp_path / "reporting").mkdir()
    (tmp_path / "reporting" / "sneaky.py").write_text("def f(store):\n    store.purchase(10, None)\n")
    assert writes_called(tmp_path / "reporting") == ["reporting/sneaky.py:2: purchase"]


def snapshots_taken(package: Path) -> list[str]:
    """``file:line`` for every ``.snapshot()`` call under ``package`` (the store's whole picture of the file)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "snapshot":
                found.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return found


def test_the_layers_above_the_store_read_it_through_narrow_views():
    """Issue 33: reporting (and what is built on it) takes the reports' narrow view of the ledger
    (``store.report_facts()``: lists, days, lot cuts and prices, the rollup's reach), never the store's snapshot."""
    for layer in ("reporting", "planning", "exports", "sources", "cli"):
        assert snapshots_taken(ROOT / "credits_core" / layer) == [], layer
    assert snapshots_taken(ROOT / "credits_core" / "store")  # the store itself builds the views from it


def test_the_snapshot_check_can_fail(tmp_path):
    (tmp_path / "reporting").mkdir()
    (tmp_path / "reporting" / "wide.py").write_text("def f(store):\n    return store.snapshot().lots\n")
    assert snapshots_taken(tmp_path / "reporting") == ["reporting/wide.py:2"]

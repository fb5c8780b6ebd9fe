"""docs/rules.md is the repository's account of the rules (issue 33): every rule the code cites is defined there, and
every test it names exists. R10 has its own test here: only spends and expiries remove credits."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "docs" / "rules.md"
CITED = re.compile(r"\bR(\d{1,2})\b")


def defined() -> set[int]:
    return {int(n) for n in re.findall(r"^## R(\d{1,2}) ", RULES.read_text(), re.M)}


def cited() -> dict[int, list[str]]:
    where: dict[int, list[str]] = {}
    files = [*ROOT.glob("credits_core/**/*.py"), *ROOT.glob("app_pages/**/*.py"), *ROOT.glob("tests/**/*.py"),
             ROOT / "README.md", ROOT / "app.py", ROOT / "serve.py"]
    for path in files:
        for n in CITED.findall(path.read_text(encoding="utf-8")):
            where.setdefault(int(n), []).append(str(path.relative_to(ROOT)))
    return where


def test_every_rule_cited_is_defined_in_docs_rules_md():
    missing = {n: sorted(set(files))[:3] for n, files in cited().items() if n not in defined()}
    assert not missing, f"cited but not defined in docs/rules.md: {missing}"
    assert defined() == set(range(1, 17))


def test_every_test_docs_rules_md_names_exists():
    text = RULES.read_text()
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", text)
    assert len(named) > 30
    for file, name in named:
        path = ROOT / file
        assert path.exists(), file
        if name:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            assert name in names, f"{file}::{name} is named in docs/rules.md but does not exist"
    for machine in re.findall(r"`(Test\w+Machine)`", text):
        assert any(machine in p.read_text() for p in ROOT.glob("tests/test_*.py")), machine


def test_the_readme_links_the_rules():
    assert "docs/rules.md" in (ROOT / "README.md").read_text()


def test_r10_only_spends_and_expiries_remove_credits():
    """No write of the store refunds, transfers or cashes out: the writes are the ones listed here, and the Buy page
    states the policy where credits are bought."""
    from credits_core.store import CreditStore, write_methods

    writes = set(write_methods(CreditStore))
    assert not {w for w in writes if re.search(r"refund|transfer|cash|withdraw|remove_credits", w)}, writes
    assert {"purchase", "assign", "set_shared", "send", "record_messages"} <= writes
    buy = (ROOT / "app_pages" / "buy.py").read_text()
    assert "not transferable" in buy and "refundable" in buy

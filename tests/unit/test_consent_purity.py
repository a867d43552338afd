"""The consent package must stay pure: standard library only, runnable without Flask."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "consent"
FORBIDDEN = {"flask", "sqlalchemy", "werkzeug", "wtforms", "igp"}
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level module) of every absolute import; relative imports stay inside consent."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append((node.lineno, (node.module or "").split(".")[0]))
    return found


def _dynamic_imports(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in {"__import__", "import_module"}:
                lines.append(node.lineno)
    return lines


def test_package_has_the_expected_modules() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in SOURCES}
    assert {"__init__.py", "vocabulary.py", "policy.py", "presets.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_only_standard_library_imports(path: Path) -> None:
    imports = _imports(path)
    forbidden = [(line, mod) for line, mod in imports if mod in FORBIDDEN]
    assert not forbidden, f"{path.name}: verboden import {forbidden}"
    not_stdlib = [(line, mod) for line, mod in imports if mod not in sys.stdlib_module_names and mod != "__future__"]
    assert not not_stdlib, f"{path.name}: import buiten de standaardbibliotheek {not_stdlib}"
    assert not _dynamic_imports(path), f"{path.name}: dynamische import"


def test_the_checker_itself_catches_forbidden_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import flask.json\nfrom sqlalchemy import select\nfrom . import sibling\nimport importlib\n"
                      "importlib.import_module('igp')\n")
    assert _imports(sample) == [(1, "flask"), (2, "sqlalchemy"), (4, "importlib")]
    assert _dynamic_imports(sample) == [5]


BLOCKED_RUN = textwrap.dedent(
    """
    import importlib.abc, sys

    BLOCKED = {"flask", "sqlalchemy", "igp", "werkzeug", "wtforms"}

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"blocked: {name}")
            return None

    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            del sys.modules[name]
    sys.meta_path.insert(0, Blocker())

    try:
        import flask  # noqa: F401
    except ImportError as exc:
        print("flask:", exc)
    else:
        raise SystemExit("the blocker does not work")

    from datetime import datetime, timezone
    import consent

    viewer = consent.Viewer(1, 20, "jgz", frozenset({"jeugdarts"}))
    family = consent.FamilyContext(5, 10, frozenset({"core_team"}), frozenset({1, 2}))
    grant = consent.ConsentGrant(3, None, "jgz", frozenset({"naw", "zorgplan"}), "zorg_en_ondersteuning",
                                 datetime(2025, 1, 1, tzinfo=timezone.utc), None, given_by=frozenset({1, 2}))
    decision = consent.decide(viewer, family, [grant], datetime(2025, 6, 1, tzinfo=timezone.utc),
                              both_parents_required=True)
    assert decision.allowed == {"naw", "zorgplan"}, decision
    consent.explain(decision)
    consent.summarise_consent(grant, {})
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not leaked, leaked
    print("allowed:", ",".join(sorted(decision.allowed)), "consent_ids:", sorted(decision.consent_ids))
    """
)


def test_runs_without_flask_sqlalchemy_or_igp() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "flask: blocked: flask" in result.stdout
    assert "allowed: naw,zorgplan consent_ids: [3]" in result.stdout

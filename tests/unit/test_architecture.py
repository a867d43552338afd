"""The shape of the code (issue "A house one can live in"), checked on every run: the rules the
import-linter contracts in setup.cfg cannot express. No app, no database."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

IGP = Path(__file__).resolve().parents[2] / "igp"
FILES = sorted(IGP.rglob("*.py"))
DOMAINS = {"admin", "api", "audit", "auth", "coordination", "families", "handover", "mdo", "notifications",
           "reporting", "retention", "sharing"}
MAX_FUNCTION_LINES = 50
# allowed: the app factory imports the application when an app is made; the CLI's commands
# import what each needs (a command must not slow every other one down)
LOCAL_IMPORTS_ALLOWED = {("igp/__init__.py", "create_app")}
LOCAL_IMPORT_FILES_ALLOWED = {"igp/cli.py"}
# synthetic data for the benchmarks writes historical rows directly, status included
STATUS_WRITERS_EXEMPT = {"igp/synth.py"}


def _rel(path: Path) -> str:
    return str(path.relative_to(IGP.parent))


def _functions(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "igp" and parts[1] in DOMAINS else None


@pytest.fixture(scope="module")
def trees():
    return {_rel(p): ast.parse(p.read_text(), filename=str(p)) for p in FILES}


def test_no_function_local_igp_imports(trees):
    found = []
    for path, tree in trees.items():
        if path in LOCAL_IMPORT_FILES_ALLOWED:
            continue
        for fn in _functions(tree):
            for node in ast.walk(fn):
                module = node.module if isinstance(node, ast.ImportFrom) else None
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if (module or "").split(".")[0] in ("igp", "consent") or any(
                        n.split(".")[0] in ("igp", "consent") for n in names):
                    if (path, fn.name) not in LOCAL_IMPORTS_ALLOWED:
                        found.append(f"{path}:{node.lineno} in {fn.name}()")
    assert found == [], "import at the top of the module (the layers keep it free of cycles):\n" + "\n".join(found)


def test_every_function_fits_the_length_budget(trees):
    long = [f"{path}:{fn.lineno} {fn.name}() has {fn.end_lineno - fn.lineno + 1} lines"
            for path, tree in trees.items() for fn in _functions(tree)
            if fn.end_lineno - fn.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == [], f"split these (at most {MAX_FUNCTION_LINES} lines):\n" + "\n".join(long)


def test_no_domain_imports_another_domains_private_names(trees):
    found = []
    for path, tree in trees.items():
        own = _domain(path.removesuffix(".py").replace("/", "."))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("igp."):
                other = _domain(node.module)
                for alias in node.names:
                    if alias.name.startswith("_") and other is not None and other != own:
                        found.append(f"{path}:{node.lineno} imports {node.module}.{alias.name}")
    assert found == [], "\n".join(found)


def _is_transition_call(value) -> bool:
    return isinstance(value, ast.Call) and (
        getattr(value.func, "attr", None) in ("transition", "status_at_aanmelding")
        or getattr(value.func, "id", None) in ("transition", "status_at_aanmelding"))


def test_family_status_changes_only_through_the_state_machine(trees):
    """Every `<family>.status = ...` is a call of families.rules.transition (and a new family's
    status comes from status_at_aanmelding): one owner of the family's course."""
    found = []
    for path, tree in trees.items():
        if path in STATUS_WRITERS_EXEMPT:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (isinstance(target, ast.Attribute) and target.attr == "status"
                            and isinstance(target.value, ast.Name)
                            and target.value.id in ("family", "target", "source", "f")
                            and not _is_transition_call(node.value)):
                        found.append(f"{path}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Family":
                for kw in node.keywords:
                    if kw.arg == "status" and not _is_transition_call(kw.value):
                        found.append(f"{path}:{node.lineno} Family(status=...)")
    assert found == [], "set Family.status through families.rules.transition:\n" + "\n".join(found)

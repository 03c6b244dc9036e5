"""Where things are done, checked on the source: each rule below is stated once in the code, and a change
that writes it a second time somewhere else fails here (see ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from ml.config import PROJECT_ROOT

API = PROJECT_ROOT / "api"


def _modules(folder: Path = API) -> dict[str, ast.Module]:
    return {
        str(path.relative_to(PROJECT_ROOT)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(folder.rglob("*.py"))
        if "migrations" not in path.parts
    }


def test_routers_call_services_and_hold_no_sql() -> None:
    offenders = []
    for name, tree in _modules().items():
        if not name.endswith("router.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                offenders.append(f"{name}:{node.lineno} imports {node.module}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"execute", "scalar", "scalars", "query"}
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "session"
            ):
                offenders.append(f"{name}:{node.lineno} runs session.{node.func.attr}")
    assert offenders == []


def test_a_drafts_status_changes_only_in_the_content_service() -> None:
    """The publisher, the schedules and everyone else report through api.content.service."""
    offenders = []
    for name, tree in _modules().items():
        if name == "api/content/service.py":
            continue
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if (
                        isinstance(element, ast.Attribute)
                        and element.attr == "status"
                        and isinstance(element.value, ast.Name)
                        and element.value.id == "draft"
                    ):
                        offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


def test_no_module_outside_the_platform_plugins_branches_on_a_platforms_name() -> None:
    """`platform == "twitter"` anywhere else would give a new platform the other one's behaviour."""
    names = {"twitter", "x", "linkedin"}
    offenders = []
    for name, tree in _modules().items():
        if name.startswith("api/platforms/") or name.startswith("api/history/importers"):
            continue  # the plugins themselves; an export file's format belongs to one platform
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                constants = [n for n in (node.left, *node.comparators) if isinstance(n, ast.Constant)]
                if any(isinstance(c.value, str) and c.value.lower() in names for c in constants):
                    offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


def test_the_benchmarks_and_the_tests_share_helpers_through_testkit_not_tests() -> None:
    offenders = [
        f"{name}:{node.lineno}"
        for name, tree in _modules(PROJECT_ROOT / "bench").items()
        for node in ast.walk(tree)
        if (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests")
        or (isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "tests" for alias in node.names))
    ]
    assert offenders == []

"""The package graph: each package imports alone in a fresh interpreter, and the layers point one way."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from ml.config import PROJECT_ROOT

PACKAGES = ["models", "ml", "serving", "flows", "api"]
# What each package may import of ours: models/ <- ml/ <- serving/, flows/, api/ (flows may use api services).
ALLOWED = {
    "models": {"models"},
    "ml": {"ml", "models"},
    "serving": {"serving", "ml", "models"},
    "api": {"api", "ml", "models"},
    "flows": {"flows", "api", "ml", "models"},
}

_PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [m.name for m in pkgutil.walk_packages(package.__path__, sys.argv[1] + ".")
         if ".migrations" not in m.name and not m.name.endswith("_pyfunc")]
for name in names:
    importlib.import_module(name)
ours = {"api", "flows", "ml", "models", "serving"}
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & ours)))
"""


def _import_alone(package: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, package],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_of_a_package_imports_alone_and_only_from_the_layers_below(package):
    loaded = _import_alone(package)
    assert loaded <= ALLOWED[package], f"{package} pulled in {sorted(loaded - ALLOWED[package])}"


def test_the_api_app_imports_no_flow_module_and_no_torch():
    # Torch is a few hundred MiB in every API worker process; the API serves models over HTTP or loads
    # them on first use, so starting it must not import torch (nor any flow).
    probe = (
        "import sys, api.main; "
        "print(sorted(m for m in sys.modules if m.startswith('flows') or m.split('.')[0] == 'torch'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "modules",
    [
        # the Prefect runner imports every flow it serves; each flow run imports its own module
        "flows.serve, flows.train_tone_classifier, flows.train_engagement_model, flows.analyze_user_tone, "
        "flows.generate_scheduled_content, flows.publish_due_posts, flows.bootstrap",
        # the model services (the tone model is served from its int8 copy where int8 is the choice)
        "serving.services, models.tone.loading",
    ],
)
def test_long_lived_processes_import_no_torch(modules):
    # Only a training (a flow run of train-tone-classifier) loads torch: a runner, a model service or a
    # scheduled run holding it would keep a few hundred MiB resident for nothing.
    probe = f"import sys, {modules}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"


# Inside api/: the domains in a stated order, lowest first. A module may import its own package and the
# packages of lower layers only (not a neighbour of its own layer), so no two domains can import each
# other. `api.deps` (the request's dependencies: who is calling, the session) belongs to the auth level;
# `api.db.models` (every table, for Alembic and the mappers) is the application's, at the top.
API_LAYERS: list[set[str]] = [
    {"db"},  # the declarative base
    {"core"},  # settings, sessions, errors, security, rate limits, ownership, the job runner
    {"platforms"},
    {"auth"},  # identities (the user), credentials, tokens; and api.deps
    {"workspaces"},  # workspaces, members and roles, invitations, the activity log; the request's scope
    {"webhooks", "history", "media"},  # outbound events; the imported posts as data; the media library
    {"voice", "engagement"},  # what the history teaches: tone analyses, engagement predictions
    {"content"},  # drafts and their state machine
    {"templates"},
    {"schedules"},
    {"generation", "accounts", "analytics"},
    {"publishing"},
    {"posts", "users"},  # the import and what follows it; the person's profile, export and erasure
    {"app"},  # main, cli, health, supervisor, embedded_pg, db.models
]
# The one import that points up, stated: the session factory registers every table before its first
# session, so that a process importing one model (a flow, a worker) resolves its foreign keys.
API_UPWARD_EXCEPTIONS = {("api.core.db", "api.db.models")}


def _api_domain(module: str) -> str:
    parts = module.split(".")
    if module == "api.deps":
        return "auth"
    if module == "api.db.models" or not (PROJECT_ROOT / "api" / parts[1]).is_dir():
        return "app"  # api.main, api.cli, api.health, ...
    return parts[1]


def _api_imports() -> list[tuple[str, str]]:
    edges = []
    for path in sorted((PROJECT_ROOT / "api").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            edges += [(module, name) for name in names if name.startswith("api.") and name.count(".") >= 1]
    return edges


def test_every_api_domain_sits_in_the_stated_order_and_no_two_import_each_other():
    level = {domain: index for index, layer in enumerate(API_LAYERS) for domain in layer}
    known = {_api_domain(module) for module, _ in _api_imports()}
    assert known <= set(level), f"domains missing from API_LAYERS: {sorted(known - set(level))}"
    breaches = set()
    for module, target in _api_imports():
        source_domain, target_domain = _api_domain(module), _api_domain(_existing_module(target))
        if source_domain == target_domain or (module, _existing_module(target)) in API_UPWARD_EXCEPTIONS:
            continue
        if level[target_domain] >= level[source_domain]:
            breaches.add(f"{module} ({source_domain}) imports {target} ({target_domain})")
    assert sorted(breaches) == []


def _existing_module(name: str) -> str:
    """`api.content.service.create_draft` -> `api.content.service` (the longest prefix that is a module)."""
    parts = name.split(".")
    while len(parts) > 1:
        candidate = PROJECT_ROOT.joinpath(*parts)
        if candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").is_file():
            return ".".join(parts)
        parts.pop()
    return name

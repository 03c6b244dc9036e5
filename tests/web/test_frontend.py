"""The web app's own checks, run by `make test`: its typed client matches the API's OpenAPI document
exactly, TypeScript strict finds nothing, and its component tests (Vitest + Testing Library) pass."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
BIN = WEB / "node_modules" / ".bin"


def _tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{path} is missing: `make install` runs `npm ci` in web/"
    return str(path)


def test_the_committed_client_is_generated_from_the_current_api(tmp_path: Path) -> None:
    document = tmp_path / "openapi.json"
    subprocess.run([sys.executable, "-m", "api.cli", "openapi", str(document)], cwd=ROOT, check=True)
    fresh = tmp_path / "schema.d.ts"
    subprocess.run(
        [_tool("openapi-typescript"), str(document), "-o", str(fresh)],
        cwd=WEB,
        check=True,
        capture_output=True,
    )
    committed = WEB / "src" / "api" / "schema.d.ts"
    assert fresh.read_text() == committed.read_text(), (
        "web/src/api/schema.d.ts differs from the API's OpenAPI document: run `make web-client` and commit it"
    )


def test_typescript_strict_finds_nothing() -> None:
    result = subprocess.run(
        [_tool("tsc"), "-b", "--pretty", "false"], cwd=WEB, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_component_tests_pass() -> None:
    assert shutil.which("node"), "Node.js is needed for the web app's tests"
    result = subprocess.run(
        [_tool("vitest"), "run", "--reporter=dot"], cwd=WEB, capture_output=True, text=True, timeout=300
    )
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]

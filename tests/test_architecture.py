"""The layers of the code are checked by import-linter (pyproject.toml); these tests show the check bites."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("riec_plan", "accounts", "reports", "districts", "budget", "strategy", "audit", "core")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_project(target: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own lint-imports on a copy of our code)
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("layers")
    _copy_project(target)
    return target


def test_the_code_keeps_its_layers(project_copy: Path) -> None:
    result = _lint(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "arrow"),
    [
        ("core/wrong.py", "from strategy import models\n", "core.wrong -> strategy.models"),
        ("core/wrong.py", "import audit\n", "core.wrong -> audit"),
        ("audit/wrong.py", "from strategy import models\n", "audit.wrong -> strategy.models"),
        ("strategy/wrong.py", "import districts.models\n", "strategy.wrong -> districts.models"),
        ("budget/wrong.py", "from districts import models\n", "budget.wrong -> districts.models"),
        ("districts/wrong.py", "from reports import builders\n", "districts.wrong -> reports.builders"),
    ],
)
def test_an_import_against_the_layers_fails_the_lint(
    tmp_path: Path, module: str, wrong_import: str, arrow: str
) -> None:
    _copy_project(tmp_path)
    (tmp_path / module).write_text(wrong_import)
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert arrow in result.stdout


# Test modules whose imports by other test modules are still to move into tests/support/ (issue #26):
# this list may only shrink. The test below fails when a module on it is no longer imported (remove
# it then) and when a test module imports a test module not on it.
NOT_YET_IN_SUPPORT = {
    "tests.conftest",  # role_user, logged_in, admin_url ...: to tests/support/roles.py and admin helpers
    "tests.budget.conftest",  # cost_line
    "tests.test_production",  # manage, production_env
    "tests.test_faults",  # app_env, manage, PostgreSQL helpers
    "tests.e2e.conftest",  # PASSWORD
    "tests.budget.test_admin",  # FACTORIES: to a factories registry
    "tests.districts.test_admin",  # FACTORIES
    "tests.strategy.test_admin",  # FACTORIES
    "tests.strategy.test_jaarplan_2024_fixture",  # TABLE_OF_CONTENTS
    "tests.strategy.test_section_blocks",  # image_file, upload
    "tests.reports.test_pdf_archival",  # assert_archival_and_tagged: to tests/support/pdf.py
    "tests.reports.test_background_pdf",  # DATABASE_TASKS, run_worker
}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from tests.budget import factories` imports the module tests.budget.factories
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return name.startswith("tests.") and (last.startswith("test_") or last == "conftest")


def test_no_test_module_imports_another_test_module() -> None:
    """What tests share lives in tests/support/ (or a factories module), not in another test module."""
    imported: dict[str, set[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for name in imported_modules(path):
            if is_test_module(name):
                imported.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    new = {name: sorted(users) for name, users in imported.items() if name not in NOT_YET_IN_SUPPORT}
    assert new == {}, "test modules imported by other test modules; move what they share to tests/support/"
    moved = NOT_YET_IN_SUPPORT - set(imported)
    assert moved == set(), f"no longer imported by a test module: take {sorted(moved)} off NOT_YET_IN_SUPPORT"

"""The layers of the code are checked by import-linter (pyproject.toml); these tests show the check bites."""

from __future__ import annotations

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

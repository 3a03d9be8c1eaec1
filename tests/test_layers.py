"""The layering in pyproject.toml's [tool.importlinter], checked by `lint-imports`.

reports > reintegration | outreach > shelters > cases > smf.imports > smf.core >
smf.staff: an upper layer may import a lower one, never the reverse, and imports
inside functions count.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("smf", "cases", "shelters", "reintegration", "outreach", "reports")
LAYERS_CONTRACT = (
    "Layers: reports > reintegration | outreach > shelters > cases > smf.imports > smf.core "
    "> smf.staff"
)
REPORTS_CONTRACT = "Nothing below reports imports reports"


def lint_imports(cwd, **env):
    # A wide terminal keeps each contract's name on one line of the report.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_the_import_contracts():
    run = lint_imports(ROOT)
    assert run.returncode == 0, f"lint-imports failed:\n{run.stdout}\n{run.stderr}"
    assert f"{LAYERS_CONTRACT} KEPT" in run.stdout
    assert f"{REPORTS_CONTRACT} KEPT" in run.stdout


def test_an_upward_import_inside_a_function_breaks_the_contracts(tmp_path):
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")

    models = tmp_path / "cases" / "models.py"
    source = models.read_text(encoding="utf-8")
    upward = "    from reports import models as _upward  # noqa\n"
    source = source.rstrip("\n") + "\n\n\ndef _reaches_up():\n" + upward + "    return _upward\n"
    models.write_text(source, encoding="utf-8")
    line = source.splitlines().index(upward.rstrip("\n")) + 1

    run = lint_imports(tmp_path, PYTHONPATH=str(tmp_path))
    output = f"{run.stdout}\n{run.stderr}"
    assert run.returncode != 0, output
    # The import exists only in the copy: naming it, with its line, shows the copy was read
    # and that a function-level import is caught, whatever else the real tree breaks today.
    assert f"cases.models -> reports.models (l.{line})" in run.stdout, output
    assert "cases is not allowed to import reports" in run.stdout, output
    assert f"{LAYERS_CONTRACT} BROKEN" in run.stdout, output
    assert f"{REPORTS_CONTRACT} BROKEN" in run.stdout, output

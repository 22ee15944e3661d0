"""The repository layout the design card fixes, and the constructs/ folder that must not shadow the library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_layout_has_every_folder_and_file_of_the_design_card() -> None:
    for name in ("app.py", "cdk.json", "requirements.txt", "stacks", "constructs", "services", "workflow",
                 "frontends", "tests"):  # fmt: skip
        assert (ROOT / name).exists(), name


def test_constructs_folder_has_no_init_so_it_merges_into_the_constructs_library() -> None:
    assert not (ROOT / "constructs" / "__init__.py").exists()


def test_library_and_local_constructs_import_side_by_side() -> None:
    # A fresh interpreter, so nothing imported by other tests hides a shadowing problem.
    code = (
        "import aws_cdk\n"
        "from constructs import Construct\n"
        "from constructs.work_queue import WorkQueue\n"
        "from constructs.service_function import ServiceFunction\n"
        "print(Construct.__module__, WorkQueue.__module__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["constructs", "constructs.work_queue"]


def test_every_test_module_has_a_name_of_its_own() -> None:
    # The test folders are not packages (rootdir-relative basenames): two test_x.py in different folders make pytest
    # refuse the second one ("import file mismatch") when one session collects both, as make test does.
    seen: dict[str, Path] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        assert path.name not in seen, f"{path.relative_to(ROOT)} and {seen[path.name].relative_to(ROOT)}"
        seen[path.name] = path

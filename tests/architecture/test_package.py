"""What ``pip install govqa`` puts into site-packages: the one package ``govqa`` and its console script."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.architecture.imports import ROOT, package_dirs


def test_the_wheel_installs_only_govqa(tmp_path: Path) -> None:
    # Built from a copy of the packaged sources, so that setuptools' build/ stays out of the work tree.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in {p.relative_to(ROOT).parts[0] for p in package_dirs().values()}:
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(source),
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("govqa-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
        top_level = archive.read(info).decode().split()
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read(info.replace("top_level.txt", "entry_points.txt")).decode())
    assert top_level == ["govqa"]
    assert {n.split("/")[0] for n in names} == {"govqa", info.split("/")[0]}
    assert dict(entry_points["console_scripts"]) == {"govqa": "govqa.cli:app"}
    # Each stage is inside, with its data files; app.py (a script) is not.
    for stage in ("ingest", "index", "qa", "web", "eval"):
        assert f"govqa/{stage}/__init__.py" in names
    assert {"govqa/web/static/widget.js", "govqa/qa/data/synonyms.txt"} <= set(names)
    assert not any(n.endswith("/app.py") or n == "app.py" for n in names)

"""The wheel carries what a non-editable install needs: styles, sample corpus, schema."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(REPO),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 and "No module named 'hatchling'" in proc.stderr:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(REPO)],
            capture_output=True,
            text=True,
        )
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("papersift-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_contains_styles_sample_data_and_schema(wheel: zipfile.ZipFile):
    names = set(wheel.namelist())
    for tcss in (REPO / "styles").glob("*.tcss"):
        assert f"papersift/styles/{tcss.name}" in names
    for sample in (REPO / "sample_data").iterdir():
        assert f"papersift/sample_data/{sample.name}" in names
    assert any(n.startswith("papersift/schemas/") and n.endswith(".json") for n in names)

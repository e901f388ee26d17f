"""The built wheel is a complete package: it installs in a fresh virtual environment, finds
its built-in scenarios as package data and runs a comparison from there."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # not in the quick tier (make check)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("govsim-*.whl")
    return whl


def test_the_wheel_holds_every_subpackage_and_the_scenarios(wheel):
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for pkg in (
        "govsim",
        "govsim/config",
        "govsim/core",
        "govsim/core/mechanisms",
        "govsim/experiments",
        "govsim/presentation",
        "govsim/scenarios",
    ):
        assert f"{pkg}/__init__.py" in names, pkg
    shipped = {n for n in names if n.endswith(".toml")}
    on_disk = {
        "govsim/scenarios/" + str(p.relative_to(ROOT / "scenarios"))
        for p in (ROOT / "scenarios").rglob("*.toml")
    }
    assert on_disk and shipped == on_disk


def test_the_installed_wheel_runs_a_comparison(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # the dependencies come from the test environment (a path, after the new site-packages,
    # without its .pth hooks, so the editable govsim of the checkout is not seen)
    deps = [p for p in site.getsitepackages() if Path(p).exists()]
    Path(purelib, "deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [py, "-c", "import govsim, govsim.core.spec as s; print(govsim.__file__)"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert where.startswith(purelib), where
    out = work / "cmp"
    subprocess.run(
        [
            env_dir / "bin" / "govsim",
            "compare",
            "baseline",
            "chengdong",
            "--residents",
            "1500",
            "--days",
            "20",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    meta = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["comparison"]
    # chengdong is paired with its before-structure on its own people (Xining's)
    assert meta["keys"] == ["baseline", "baseline@xining", "chengdong"]
    run = "structure=chengdong/variant=base/population=xining/replicate=0"
    assert (out / "runs" / run / "summary.json").exists()

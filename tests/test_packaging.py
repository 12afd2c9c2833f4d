"""A built wheel carries the config tree and scenarios and finds them when installed elsewhere."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    return next(out.glob("marketing_sim-*.whl"))


def test_wheel_contains_conf_and_scenarios(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "sim/conf/config.yaml" in names
    scenarios = {Path(n).name for n in names if n.startswith("sim/scenarios/")}
    assert scenarios == {p.name for p in (ROOT / "scenarios").glob("*.yaml")}
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "marketing-sim = sim.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_runs_from_another_directory(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-m", "sim", "replications=1", "horizon.acquisition_days=10",
         "horizon.ltv_days=10", f"hydra.run.dir={elsewhere / 'run'}"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "run" / "metrics.json").exists()
    where = subprocess.run([sys.executable, "-c", "import sim.config as c; print(c.conf_dir())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip() == str(target / "sim" / "conf")

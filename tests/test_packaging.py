"""The README's flows run from the built wheel installed in a fresh venv, outside the checkout.

The wheel carries the config tree, the scenarios and the named sweeps; the
venv holds the wheel alone, its dependencies made visible from this
interpreter's site-packages, so nothing is downloaded and the checkout's
``sim`` is not importable there.
"""
from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from sim.config import SCENARIOS_ENV, SWEEPS_ENV

ROOT = Path(__file__).resolve().parents[1]

#: Overrides that make a run of the default scenario, or of a shipped sweep's, take about a second.
TINY = ["replications=1", "horizon.acquisition_days=10", "horizon.ltv_days=10", "figures=false"]

#: A local named sweep, as a user writes one into ./experiments/sweep.
LOCAL_SWEEP = """\
replications: 1
horizon: {acquisition_days: 10, ltv_days: 10}
figures: false
hydra:
  sweep:
    dir: multirun/local_budget
  sweeper:
    params:
      channels.feed_ads.daily_budget: 1000,2000,4000
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from the checkout, once for the module."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    return next(out.glob("marketing_sim-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed (``pip install --no-deps``) and a .pth file that puts this
    interpreter's site-packages, where the dependencies are, after its own."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, capture_output=True,
                   timeout=120)
    own = subprocess.run([where / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         check=True, capture_output=True, text=True, timeout=60).stdout.strip()
    dependencies = dict.fromkeys(sysconfig.get_paths()[kind] for kind in ("purelib", "platlib"))
    Path(own, "dependencies.pth").write_text("".join(f"{folder}\n" for folder in dependencies))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(where / "bin" / "python"), "install", "--no-deps",
                    "--no-index", "-q", str(wheel)], check=True, capture_output=True, timeout=600)
    return where


@pytest.fixture
def home(tmp_path) -> Path:
    """The user's working directory, outside the checkout."""
    assert ROOT not in tmp_path.resolve().parents
    return tmp_path


def run(venv: Path, command: str, *arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    """The venv's ``command`` (``python``, ``marketing-sim``) run in ``cwd``, as a user's shell would (no
    PYTHONPATH, no search folders named by the environment); it must succeed."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHONPATH", SCENARIOS_ENV, SWEEPS_ENV)}
    done = subprocess.run([str(venv / "bin" / command), *arguments], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def run_config(run_dir: Path) -> dict:
    """The checked config a run directory was made with."""
    return json.loads((run_dir / "config.json").read_text())["config"]


def test_wheel_contains_conf_scenarios_and_sweeps(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {"sim/conf/config.yaml", "sim/conf/hydra_setup/default.yaml"} <= set(names)
    # the sweeper, in Hydra's plugin namespace package, which has no __init__.py of its own
    assert "hydra_plugins/marketing_sim/sweeper.py" in names and "hydra_plugins/__init__.py" not in names
    for inside, folder in (("sim/scenarios/", "scenarios"), ("sim/sweep/", "experiments/sweep")):
        shipped = {Path(n).name for n in names if n.startswith(inside)}
        assert shipped == {p.name for p in (ROOT / folder).glob("*.yaml")}
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "marketing-sim = sim.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_venv_imports_the_wheel_not_the_checkout(venv, home):
    where = run(venv, "python", "-c", "import sim, sim.config as c; print(sim.__file__, c.conf_dir(), c.sweeps_dir())",
                cwd=home).stdout.split()
    package = Path(where[0]).parent
    assert venv in package.parents
    assert [Path(p) for p in where[1:]] == [package / "conf", package / "sweep"]


def test_default_scenario_runs_into_outputs(venv, home):
    done = run(venv, "marketing-sim", *TINY, cwd=home)
    assert done.stdout.startswith("scenario default: 1 replication(s)")
    assert "LTV / CAC" in done.stdout
    [metrics] = home.glob("outputs/*/*/metrics.json")            # outputs/<date>/<time>/
    assert math.isfinite(json.loads(metrics.read_text())["ltv"])


def test_calibrated_scenario_in_the_working_directory_runs(venv, home):
    shutil.copy(ROOT / "tests" / "data" / "cdnow" / "cdnow_sample.csv", home / "orders.csv")
    calibrated = run(venv, "python", "-m", "sim.calibrate", "orders.csv", "--calibration-end", "1997-09-30",
                     "--out", "scenarios/my_shop.yaml", "--no-holdout", cwd=home)
    assert "run it: marketing-sim scenario=my_shop" in calibrated.stdout
    scenario = yaml.safe_load((home / "scenarios" / "my_shop.yaml").read_text())
    done = run(venv, "marketing-sim", "scenario=my_shop", "replications=1", "horizon.ltv_days=10", "figures=false",
               "hydra.run.dir=shop_run", cwd=home)
    assert done.stdout.startswith("scenario my_shop: 1 replication(s)")
    market = run_config(home / "shop_run")["market"]
    assert {key: market[key] for key in scenario["market"]} == scenario["market"]     # the data's customers


@pytest.mark.parametrize("name", ["pool_cadence", "local_budget"])
def test_named_sweep_launches_every_job_of_its_grid(venv, home, name):
    if name == "pool_cadence":                                   # shipped in the wheel
        sweep, overrides = ROOT / "experiments" / "sweep" / f"{name}.yaml", TINY
    else:                                                        # the user's own, in ./experiments/sweep
        sweep, overrides = home / "experiments" / "sweep" / f"{name}.yaml", []
        sweep.parent.mkdir(parents=True)
        sweep.write_text(LOCAL_SWEEP)
    params = yaml.safe_load(sweep.read_text())["hydra"]["sweeper"]["params"]
    axes = OverridesParser.create().parse_overrides([f"{key}={value}" for key, value in params.items()])
    grid = set(itertools.product(*(axis.sweep_iterator() for axis in axes)))

    done = run(venv, "marketing-sim", "-m", f"+sweep={name}", *overrides, cwd=home)
    assert f"Launching {len(grid)} jobs" in done.stdout
    jobs = [p for p in (home / "multirun" / name).iterdir() if p.name.isdigit()]
    assert len(jobs) == len(grid)
    ran = {tuple(OmegaConf.select(OmegaConf.create(run_config(job)), axis.key_or_group) for axis in axes)
           for job in jobs}
    assert ran == grid                                           # each job ran its own point of the grid

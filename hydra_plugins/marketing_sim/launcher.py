"""A launcher that runs a sweep's jobs on forked worker processes (``hydra/launcher=marketing_sim``).

Each worker is forked from the sweep's process after Hydra has set up, so
it starts in milliseconds with Hydra's state, the config loader and the
task inherited; a job sends back only its ``JobReturn``. Hydra's joblib
launcher instead pickles Hydra's whole state (its ConfigStore, the config
loader, the config) into every job. Where processes cannot be forked (not
Linux), the jobs run one after another in the sweep's process.
"""
# No `from __future__ import annotations`: Hydra runs this module before it is in sys.modules,
# where dataclasses would look string annotations up.
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, configure_log, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict


@dataclass
class MarketingSimLauncherConf:
    _target_: str = "hydra_plugins.marketing_sim.launcher.MarketingSimLauncher"
    n_jobs: int = 0
    """Worker processes; 0: one per usable core."""


ConfigStore.instance().store(group="hydra/launcher", name="marketing_sim", node=MarketingSimLauncherConf,
                             provider="marketing-sim")

#: The launcher whose jobs the forked workers run (set before they are forked).
_LAUNCHING: Optional["MarketingSimLauncher"] = None


class MarketingSimLauncher(Launcher):
    """Run a batch of jobs on ``n_jobs`` forked processes, results in job order."""

    def __init__(self, n_jobs: int = 0) -> None:
        self.n_jobs = n_jobs
        self.config: Optional[DictConfig] = None
        self.hydra_context: Optional[HydraContext] = None
        self.task_function: Optional[TaskFunction] = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config, self.hydra_context, self.task_function = config, hydra_context, task_function

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        global _LAUNCHING
        from sim import parallel

        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        jobs = [(initial_job_idx + index, list(overrides)) for index, overrides in enumerate(job_overrides)]
        workers = parallel.forked_workers(self.n_jobs, len(jobs))
        _LAUNCHING = self
        try:
            return list(parallel.map_jobs(_run, jobs, workers, lambda: None, setting="hydra.launcher.n_jobs"))
        finally:
            _LAUNCHING = None


def _run(index: int, overrides: list) -> JobReturn:
    """Job ``index`` of the sweep ``_LAUNCHING`` launches, with its ``overrides``."""
    launcher = _LAUNCHING
    config = launcher.hydra_context.config_loader.load_sweep_config(launcher.config, overrides)
    with open_dict(config):
        config.hydra.job.id = f"{config.hydra.job.name}_{index}"
        config.hydra.job.num = index
    HydraConfig.instance().set_config(config)
    return run_job(hydra_context=launcher.hydra_context, config=config, task_function=launcher.task_function,
                   job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir")

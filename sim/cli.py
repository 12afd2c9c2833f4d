"""The command line, a Hydra app: ``marketing-sim`` and ``python -m sim`` are the same.

    marketing-sim                                   # default scenario
    marketing-sim scenario=NAME key=value ...       # a named scenario with overrides
    marketing-sim -m scenario=a,b replications=20   # a sweep (multirun)

Each run writes metrics.json (last, so its presence marks a complete run),
daily.csv, cohorts.csv, retention.csv, response_curves.csv, config.json and PNG figures into
Hydra's run directory, and prints a summary table. A bad config is reported
in one line with exit code 2.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .config import apply_overrides, compose, conf_dir, register_configs
from .engine import run
from .params import validate
from .validation import ConfigError


def _fail(error: ConfigError) -> None:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(2)


def _task(cfg) -> float:
    from hydra.core.hydra_config import HydraConfig

    from .plot import save_all

    hydra = HydraConfig.get()
    try:
        apply_overrides(cfg, list(hydra.overrides.task))
        result = run(cfg, progress=sys.stderr.isatty())
    except ConfigError as error:
        _fail(error)
    output = Path(hydra.runtime.output_dir)
    save_all(result, output)
    result.save(output)
    print(result.summary(title=f"scenario {hydra.runtime.choices.get('scenario')}"))
    print(f"outputs: {output}")
    return result.metrics["ltv_cac"]


def _check_single_run(arguments: list[str]) -> None:
    """Compose and validate a single run's config before Hydra starts, so a
    bad key, type, value or scenario is one line (exit code 2), not Hydra's report.
    Flags (``-m``, ``--cfg``, ``--help`` ...) are left to Hydra."""
    if any(argument.startswith("-") for argument in arguments):
        return
    overrides = [a for a in arguments if not a.lstrip("+~").startswith("hydra")]
    scenarios = [a.split("=", 1)[1] for a in overrides if a.startswith("scenario=")]
    validate(compose(scenarios[-1] if scenarios else "default",
                     [a for a in overrides if not a.startswith("scenario=")]))


def main() -> None:
    """Entry point of the ``marketing-sim`` console script."""
    import hydra

    try:
        _check_single_run(sys.argv[1:])
    except ConfigError as error:
        _fail(error)
    register_configs()
    hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")(_task)()

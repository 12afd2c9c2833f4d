"""The command line, a Hydra app: ``marketing-sim`` and ``python -m sim`` are the same.

    marketing-sim                                   # default scenario
    marketing-sim scenario=NAME key=value ...       # a named scenario with overrides
    marketing-sim -m scenario=a,b replications=20   # a sweep (multirun)

Each run writes metrics.json (last, so its presence marks a complete run),
daily.csv, cohorts.csv, retention.csv, config.json and PNG figures into
Hydra's run directory, and prints a summary table. A bad config is reported
in one line with exit code 2.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .config import apply_overrides, conf_dir, register_configs
from .engine import run
from .validation import ConfigError


def _task(cfg) -> float:
    from hydra.core.hydra_config import HydraConfig

    from .plot import save_all

    hydra = HydraConfig.get()
    try:
        apply_overrides(cfg, list(hydra.overrides.task))
        result = run(cfg, progress=sys.stderr.isatty())
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    output = Path(hydra.runtime.output_dir)
    save_all(result, output)
    result.save(output)
    print(result.summary(title=f"scenario {hydra.runtime.choices.get('scenario')}"))
    print(f"outputs: {output}")
    return result.metrics["ltv_cac"]


def main() -> None:
    """Entry point of the ``marketing-sim`` console script."""
    import hydra

    register_configs()
    hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")(_task)()

"""The command line, a Hydra app: ``marketing-sim`` and ``python -m sim`` are the same.

    marketing-sim                                   # default scenario
    marketing-sim scenario=NAME key=value ...       # a named scenario with overrides
    marketing-sim -m scenario=a,b replications=20   # a sweep (multirun)

Each run writes metrics.json (last, so its presence marks a complete run),
daily.csv, cohorts.csv, retention.csv, response_curves.csv, config.json and PNG figures into
Hydra's run directory, and prints a summary table. A bad config is reported
in one line with exit code 2; ``--debug`` (or ``HYDRA_FULL_ERROR=1``) shows
the full traceback instead.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .config import apply_overrides, compose, conf_dir, register_configs
from .engine import run
from .params import validate
from .results import Result, write_error
from .validation import ConfigError


def _fail(error: ConfigError) -> None:
    """One line and exit code 2; the full traceback when asked for."""
    if os.environ.get("HYDRA_FULL_ERROR") == "1":
        raise error
    print(f"error: {error}", file=sys.stderr)
    sys.exit(2)


def _task(cfg) -> float:
    """One run: simulate, write the run directory, return the objective metric (for sweepers).

    In a sweep, a run whose directory already holds metrics.json is not
    redone (resume), and a failing run writes error.json and lets the
    sweep go on; a single run with a bad config exits with code 2.
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from .plot import save_all

    hydra = HydraConfig.get()
    output = Path(hydra.runtime.output_dir)
    sweeping = hydra.mode == RunMode.MULTIRUN
    if sweeping and (output / "metrics.json").exists():
        result = Result.load(output)
        print(f"already complete, not rerun: {output}")
        return objective(result, cfg.objective)
    try:
        apply_overrides(cfg, list(hydra.overrides.task))
        result = run(cfg, progress=bool(cfg.progress) and sys.stderr.isatty())
        value = objective(result, cfg.objective)
        if cfg.figures:
            save_all(result, output)
        result.save(output)
    except Exception as error:          # a sweep records every failure and carries on
        if not sweeping:
            if isinstance(error, ConfigError):
                _fail(error)
            raise
        write_error(output, error)
        print(f"error: {error} (recorded in {output / 'error.json'})", file=sys.stderr)
        return float("nan")
    (output / "error.json").unlink(missing_ok=True)     # an earlier attempt's failure is resolved
    print(result.summary(title=f"scenario {hydra.runtime.choices.get('scenario')}"))
    print(f"outputs: {output}")
    return value


def objective(result: Result, name: str) -> float:
    """The metric a sweeper optimises; raise ConfigError naming the available ones if unknown."""
    if name not in result.metrics:
        raise ConfigError("objective", name, "must be a metric, e.g. " + ", ".join(
            m for m in ("profit", "ltv_cac", "ltv", "customers", "cac") if m in result.metrics))
    return result.metrics[name]


def _check_before_start(arguments: list[str]) -> None:
    """Compose and validate the run's config before Hydra starts, so a bad key,
    type, value or scenario is one line (exit code 2), not Hydra's report.

    In a sweep (``-m``) this is the first job's config: a mistake every job
    shares stops the sweep at once, while a bad value only some jobs get is
    recorded in their error.json. Other flags (``--cfg``, ``--help`` ...)
    are left to Hydra.
    """
    sweeping = any(a in ("-m", "--multirun") for a in arguments)
    if any(a.startswith("-") and a not in ("-m", "--multirun") for a in arguments):
        return
    overrides = [a for a in arguments if not a.startswith("-") and not a.lstrip("+~").startswith("hydra")]
    if sweeping:
        overrides = _first_job(overrides)
    scenarios = [a.split("=", 1)[1] for a in overrides if a.startswith("scenario=")]
    validate(compose(scenarios[-1] if scenarios else None,
                     [a for a in overrides if not a.startswith("scenario=")]))


def _first_job(overrides: list[str]) -> list[str]:
    """The overrides of a sweep's first job: each swept key at its first value
    (keys an optimiser samples from an interval are left at their default)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except OverrideParseException as error:
        raise ConfigError("overrides", overrides, str(error).strip().splitlines()[0]) from None
    first = []
    for override in parsed:
        if not override.is_sweep_override():
            first.append(override.input_line)
        elif not override.is_interval_sweep():
            value = next(iter(override.sweep_string_iterator()), None)
            if value is not None:
                first.append(f"{override.get_key_element()}={value}")
    return first


def main() -> None:
    """Entry point of the ``marketing-sim`` console script."""
    import hydra

    if "--debug" in sys.argv[1:]:
        sys.argv.remove("--debug")
        os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        _check_before_start(sys.argv[1:])
    except ConfigError as error:
        _fail(error)
    register_configs()
    hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")(_task)()

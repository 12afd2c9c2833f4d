"""The command line, a Hydra app: ``marketing-sim`` and ``python -m sim`` are the same.

    marketing-sim                                   # default scenario
    marketing-sim scenario=NAME key=value ...       # a named scenario with overrides
    marketing-sim -m scenario=a,b replications=20   # a sweep (multirun)
    marketing-sim report DIR                        # rebuild a directory's report.html and summary.txt

Each run writes identity.json first (the hash of its config, see
:func:`config_hash`), then PNG figures, report.html and summary.txt
(``sim.report``), daily.csv, cohorts.csv, retention.csv,
response_curves.csv, config.json and metrics.json last, so the
presence of metrics.json marks a complete run, into Hydra's run directory,
and prints a summary table.

A sweep writes plan.json into its sweep directory before its first job
(:class:`SweepCallback`): every job's overrides in job order, or for Optuna
n_trials and the search space; after its last job, report.html and
summary.txt of the whole sweep. A job rerun into a directory that holds the
results of the identical config is skipped; any other earlier result there
is dropped and the job rerun. After the last job, a sweep with a job that
did not complete says so in one line and exits with code 1.

Every error is one line on stderr and an exit code: 2 for bad input (a
ConfigError: a bad key, value, scenario, objective or Optuna interval; an
override Hydra rejects), 1 for an input/output failure (an unwritable
directory, a full disk) or a sweep with failed jobs, 130 for Ctrl-C.
``--debug`` (or ``HYDRA_FULL_ERROR=1``) shows the full traceback instead.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

import numpy as np
from hydra.experimental.callback import Callback

from .config import DISPLAY_KEYS, apply_overrides, compose, conf_dir, register_configs
from .engine import run, simulate
from .metrics import RETENTION_MARKS, compute
from .params import Params, validate
from .progress import show_jobs
from .report import run_report, summary_title, sweep_report
from .results import Result, write_error
from .validation import ConfigError

IDENTITY = "identity.json"
"""Written into each run directory before its results: ``config_hash`` and, in a sweep, ``plan`` and ``job``."""
PLAN = "plan.json"
"""Written into a sweep directory before its first job."""
NOT_ENGINE = ("__main__.py", "cli.py", "collection.py", "plot.py", "progress.py", "comparison.py",
              "sensitivity.py", "calibrate", "report", "frames.py")
"""Parts of the package a run's numbers never depend on (commands, figures, display), left out of its identity."""
HEADLINE = ("profit", "ltv_cac", "ltv", "customers", "cac")
"""Metrics named as examples when an objective is unknown."""
LOG = logging.getLogger("sim")
"""The runs' log: each run's marketing-sim.log holds it (Hydra's job logging, conf/config.yaml)."""
_DEBUG = False
"""Set by :func:`main` from ``--debug`` or ``HYDRA_FULL_ERROR=1``: show tracebacks."""
_SWEEP_DIR = None
"""Set when a sweep starts, so that :func:`main` can name its failed jobs if the sweeper stops on them."""


def config_hash(params: Params) -> str:
    """The identity of a run: sha256 of its checked config and of the code that simulates it.

    The config is ``params.config`` (every default resolved, the allocation
    split into daily budgets) in config order, since the order of channels
    and policies changes the numbers, without the :data:`DISPLAY_KEYS` keys.
    """
    return _digest({"config": {k: v for k, v in params.config.items() if k not in DISPLAY_KEYS},
                    "code": _code()})


@functools.cache
def _code() -> str:
    """sha256 of the engine's sources (the sim package but :data:`NOT_ENGINE`) and of numpy's
    version (its random streams): what turns a config into numbers."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(np.__version__.encode())
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package)
        if name.parts[0] not in NOT_ENGINE:
            digest.update(str(name).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, default=str).encode()).hexdigest()


def _task(cfg) -> float | None:
    """One job: simulate, write the run directory, return the objective metric (for sweepers).

    In a sweep, a job whose directory holds metrics.json of the identical
    config (same :func:`config_hash`) is not rerun; it only joins the
    current plan. Any other job first drops what an earlier run left there
    (:func:`_begin`). A failing job writes error.json and returns None, which
    the Optuna sweeper records as a failed trial (NaN would stop it), and
    the sweep goes on.
    A single run reports its error in one line and exits (:func:`_stop`).
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from .plot import save_all

    # matplotlib logs the first build of its font cache at INFO: noise even in the log file
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    logging.captureWarnings(True)           # Python warnings into the run's log (conf/config.yaml)
    hydra = HydraConfig.get()
    output = Path(hydra.runtime.output_dir)
    sweeping = hydra.mode == RunMode.MULTIRUN
    identity = {"config_hash": None}
    if sweeping:
        identity.update(plan=_read_json(Path(hydra.sweep.dir) / PLAN).get("id"), job=hydra.job.num)
    try:
        apply_overrides(cfg, list(hydra.overrides.task))
        params = validate(cfg)
        identity["config_hash"] = config_hash(params)
        if sweeping and (output / "metrics.json").exists() \
                and _read_json(output / IDENTITY).get("config_hash") == identity["config_hash"]:
            _write_json(output / IDENTITY, identity)
            print(f"already complete, not rerun: {output}")
            return objective(Result.load(output), cfg.objective)
        reason = _begin(output, identity)
        if reason:
            print(f"{reason}, rerunning: {output}")
        LOG.info("scenario %s, overrides %s, config hash %s", hydra.runtime.choices.get("scenario"),
                 list(hydra.overrides.task), identity["config_hash"])
        result = run(params, progress=bool(cfg.progress) and sys.stderr.isatty())
        value = objective(result, cfg.objective)
        if cfg.figures:
            save_all(result, output)
        scenario = hydra.runtime.choices.get("scenario")
        table = result.summary(title=summary_title(scenario))
        run_report(output, result, scenario, table)        # report.html and summary.txt
        result.save(output)                 # metrics.json last: the mark of a complete run
        LOG.info("%s\noutputs: %s", table, output)
    except KeyboardInterrupt:
        if sweeping:
            raise
        _exit(f"interrupted; {output} holds no complete run (no metrics.json)", 130)
    except Exception as error:          # a sweep records every failure and carries on
        if not sweeping:
            _stop(error)
        _begin(output, identity)        # also when the config was invalid, before the _begin above
        write_error(output, error)
        LOG.error("%s: %s", type(error).__name__, error)
        print(f"error: {error} (recorded in {output / 'error.json'})", file=sys.stderr)
        return None
    print(table)
    print(f"outputs: {output}")
    if sweeping:
        _job_done(Path(hydra.sweep.dir), hydra.job.num)
    return value


def _job_done(sweep_dir: Path, job: int) -> None:
    """Log ``sweep jobs i/n [elapsed<left]`` after job ``job`` (from 0), on the terminal too if it is one.

    The sweep started when its plan was written; the time left assumes the
    jobs still to run take as long as those done so far took on average.
    """
    plan = _read_json(sweep_dir / PLAN)
    total = len(plan["jobs"]) if "jobs" in plan else plan.get("n_trials")
    if total:
        LOG.info(show_jobs(job + 1, total, "sweep jobs", time.time() - (sweep_dir / PLAN).stat().st_mtime))


class OwnWarnings(logging.Filter):
    """Of the Python warnings logged (``logging.captureWarnings``), pass only those raised inside
    marketing-sim, as ``<Category>: <message>``; other libraries' warnings stay in the log file."""

    PACKAGE = str(Path(__file__).resolve().parent)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "py.warnings":
            return True
        where, _, warning = str(record.args[0] if record.args else record.msg).partition(": ")
        if not where.startswith(self.PACKAGE):
            return False
        record.msg, record.args = warning.splitlines()[0], ()
        return True


def _begin(output: Path, identity: dict) -> str | None:
    """Make ``output`` the directory of a fresh run of ``identity``.

    An earlier run's metrics.json goes first (so the directory never looks
    complete with mixed results), then its error.json and figures; then
    identity.json is written. Return why earlier results were dropped, or
    None if there were none.
    """
    output.mkdir(parents=True, exist_ok=True)
    reason = None
    if (output / "metrics.json").exists():
        reason = ("config changed since the earlier run" if (output / IDENTITY).exists()
                  else "the earlier run recorded no config")
        (output / "metrics.json").unlink()
    for stale in (output / "error.json", *output.glob("*.png")):
        stale.unlink(missing_ok=True)
    _write_json(output / IDENTITY, identity)
    return reason


def objective(result: Result, name: str) -> float:
    """The metric a sweeper optimises; raise ConfigError naming the available ones if unknown."""
    check_objective(name, result.metrics)
    return result.metrics[name]


def check_objective(name: str, available) -> None:
    """Raise ConfigError unless ``name`` is one of the ``available`` metric names."""
    if name not in available:
        raise ConfigError("objective", name, "must be a metric, e.g. " + ", ".join(
            m for m in HEADLINE if m in available))


def metric_names(params: Params) -> set[str]:
    """The names of the metrics a run of ``params`` reports, found before the run.

    Which metrics exist depends on the channels, the policies and ltv_days
    (a retention mark below it), not on how many customers arrive or on how
    many days they do, so a copy with one replication, one acquisition day,
    at most 100 prospects and ltv_days cut to just past the last retention
    mark names them all in about 0.1 s.
    """
    tiny = dataclasses.replace(
        params, replications=1, acquisition_days=1, ltv_days=min(params.ltv_days, max(RETENTION_MARKS) + 1),
        market_size=min(params.market_size, 100), initial_customers=min(params.initial_customers, 100))
    return set(compute(simulate(tiny, np.random.SeedSequence(0))).metrics)


def _check_before_start(arguments: list[str]) -> None:
    """Compose and validate the run's config before Hydra starts, so a bad key,
    type, value, scenario, objective or interval is one line (exit code 2),
    not Hydra's report, and comes before any simulation work.

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
    try:
        cfg = compose(scenarios[-1] if scenarios else None, [a for a in overrides if not a.startswith("scenario=")])
    except OSError as error:            # Hydra looks a key up as a file first: a 300-character one is too long
        raise _key_error(error, overrides) from None
    check_objective(cfg.objective, metric_names(validate(cfg)))


def _key_error(error: OSError, overrides: list[str]) -> ConfigError:
    """The override whose key Hydra could not look up as a file name, as a ConfigError."""
    name = Path(str(error.filename)).stem
    for override in overrides:
        key, _, value = override.lstrip("+~").partition("=")
        if name and name in key:
            return ConfigError(key, value, f"unknown key ({error.strerror})")
    return ConfigError("overrides", overrides, error.strerror)


def _first_job(overrides: list[str]) -> list[str]:
    """The overrides of a sweep's first job: each swept key at its first value
    (keys an optimiser samples from an interval, and globs of config names
    that only Hydra can expand, are left at their default)."""
    from hydra.core.override_parser.types import ValueType

    first = []
    for override in _parse(overrides):
        if not override.is_sweep_override():
            first.append(override.input_line)
        elif override.value_type not in (ValueType.INTERVAL_SWEEP, ValueType.GLOB_CHOICE_SWEEP):
            value = next(iter(override.sweep_string_iterator()), None)
            if value is not None:
                first.append(f"{override.get_key_element()}={value}")
    return first


def _parse(overrides: list[str], config_loader=None) -> list:
    """Parse sweep overrides; raise ConfigError for bad syntax or an interval whose low is above its high."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    try:
        parsed = OverridesParser.create(config_loader).parse_overrides(overrides)
    except OverrideParseException as error:
        raise ConfigError("overrides", overrides, str(error).strip().splitlines()[0]) from None
    for override in parsed:
        if override.is_interval_sweep() and override.value().start > override.value().end:
            raise ConfigError(override.get_key_element(), _text(override), "an interval's low must be <= its high")
    return parsed


class SweepCallback(Callback):
    """Hydra callback of every sweep (registered by :func:`main`): the plan before the first job,
    the verdict after the last. Hydra turns a callback's exception into a warning, so both exit
    themselves (:func:`_stop`) on an error."""

    def on_multirun_start(self, config, **kwargs) -> None:
        global _SWEEP_DIR
        try:
            _SWEEP_DIR = Path(config.hydra.sweep.dir)
            plan = sweep_plan(config)
            if plan is None:
                return
            if plan["sweeper"].endswith("OptunaSweeper"):     # keyed by the plan: a changed one is a new study
                plan["study"] = config.hydra.sweeper.study_name = \
                    f"{config.hydra.sweeper.study_name or 'study'}-{plan['id']}"
            _SWEEP_DIR.mkdir(parents=True, exist_ok=True)
            _write_json(_SWEEP_DIR / PLAN, plan)
        except Exception as error:
            _stop(error)

    def on_multirun_end(self, config, **kwargs) -> None:
        try:
            sweep_dir = Path(config.hydra.sweep.dir)
            if (sweep_dir / PLAN).exists():
                print(f"sweep report: {sweep_report(sweep_dir)}")
            _verdict(sweep_dir)
        except Exception as error:
            _stop(error)


def _verdict(sweep_dir: Path) -> None:
    """Exit with code 1 and one line if a job of the sweep in ``sweep_dir`` is not complete."""
    from .collection import collect

    table = collect(sweep_dir)
    missed = table.failed()
    if missed:
        first = sweep_dir / missed[0]["run"]
        failed = all(row["status"] == "failed" for row in missed)
        _exit(f"sweep: {len(missed)} of {len(table)} jobs {'failed' if failed else 'did not complete'}; "
              f"see {first / 'error.json' if missed[0]['status'] == 'failed' else first}", 1)


def sweep_plan(config) -> dict | None:
    """The plan of the sweep composed as ``config``, None for a sweeper other than a basic one
    (Hydra's, or marketing-sim's ``MarketingSimBasicSweeper``, the default) or Optuna.

    Hydra's basic sweeper: ``jobs``, every job's overrides in job order (the
    cartesian product, expanded as the sweeper does). Optuna: ``n_trials``,
    ``search_space``, the fixed ``overrides``, ``direction`` and ``objective``.
    Both: ``sweeper``, ``config`` (a digest of the composed config without
    the keys that do not change numbers, and of the code) and ``id``, a
    digest of the whole plan. Raise ConfigError for a bad override or interval, or a grid without jobs.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    sweeper = OmegaConf.to_container(config.hydra.sweeper, resolve=True, enum_to_str=True)
    if not sweeper["_target_"].endswith(("BasicSweeper", "OptunaSweeper")):
        return None
    arguments = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
    parsed = _parse([*arguments, *config.hydra.overrides.task], GlobalHydra.instance().config_loader())
    base = OmegaConf.to_container(config, resolve=False)
    plan = {"sweeper": sweeper["_target_"], "config": _digest({
        "config": {k: v for k, v in base.items() if k not in ("hydra", *DISPLAY_KEYS)}, "code": _code()})}
    if plan["sweeper"].endswith("BasicSweeper"):
        plan["jobs"] = BasicSweeper.split_arguments(parsed, None)[0]
        if not plan["jobs"]:
            raise ConfigError("overrides", list(config.hydra.overrides.task), "the sweep has no job (an empty range?)")
    else:
        plan.update(n_trials=sweeper["n_trials"], direction=sweeper["direction"], objective=config.objective,
                    search_space={o.get_key_element(): _text(o) for o in parsed if o.is_sweep_override()},
                    overrides=[o.input_line for o in parsed if not o.is_sweep_override()])
    return {"id": _digest(plan)[:16], **plan}


def _text(override) -> str:
    """An override's value as it was written."""
    return override.input_line.partition("=")[2]


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def _write_json(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file, then a rename."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=2))
    os.replace(temporary, path)


def _exit(message: str, code: int) -> NoReturn:
    print(message, file=sys.stderr)
    sys.exit(code)


def _stop(error: BaseException) -> NoReturn:
    """Report ``error`` in one line and exit with its code (module docstring); re-raise
    it with ``--debug``, and re-raise an error of none of those kinds (a bug)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    if _DEBUG:
        raise error
    if isinstance(error, KeyboardInterrupt):
        _exit("interrupted", 130)
    for cause in _chain(error):
        if isinstance(cause, ConfigError):
            _exit(f"error: {cause}", 2)
        if isinstance(cause, OSError) and cause.strerror:
            _exit(f"error: {cause.filename}: {cause.strerror}" if cause.filename else f"error: {cause}", 1)
    if isinstance(error, (HydraException, OmegaConfBaseException)):
        _exit(f"error: {str(error).strip().splitlines()[0]}", 2)
    raise error


def _chain(error: BaseException):
    """``error`` and the errors it was raised from or while handling, as a traceback shows them."""
    while error is not None:
        yield error
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)


def _with_callback(arguments: list[str]) -> list[str]:
    """``arguments`` with the override that registers :class:`SweepCallback`, placed
    before the first override (Hydra's argument parser wants them side by side)."""
    at = next((i for i, a in enumerate(arguments) if a.startswith(("+", "~")) or ("=" in a and a[:1] != "-")), 0)
    return [*arguments[:at], "+hydra.callbacks.marketing_sim._target_=sim.cli.SweepCallback", *arguments[at:]]


def main() -> None:
    """Entry point of the ``marketing-sim`` console script.

    Hydra is told to raise its errors (``HYDRA_FULL_ERROR=1``) so that they
    reach :func:`_stop`, which reports them in one line.
    """
    import hydra

    global _DEBUG, _SWEEP_DIR
    if sys.argv[1:2] == ["report"]:
        from .report import main as report
        return report(sys.argv[2:])
    _SWEEP_DIR = None
    arguments = [a for a in sys.argv[1:] if a != "--debug"]
    before = os.environ.get("HYDRA_FULL_ERROR")
    _DEBUG = len(arguments) < len(sys.argv) - 1 or before == "1"
    os.environ["HYDRA_FULL_ERROR"] = "1"
    sys.argv[1:] = _with_callback(arguments)
    try:
        _check_before_start(arguments)
        register_configs()
        hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")(_task)()
    except (Exception, KeyboardInterrupt) as error:
        if _SWEEP_DIR is not None and isinstance(error, Exception) and not _DEBUG \
                and not any(isinstance(cause, ConfigError) for cause in _chain(error)):
            _verdict(_SWEEP_DIR)            # e.g. Optuna's "no trials are completed yet"
        _stop(error)
    finally:        # called in-process (a notebook, a test), leave the environment as it was
        if before is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = before

"""Structured configs, the config tree on disk, and composition.

The schema below is registered in Hydra's ConfigStore as ``base_config``;
``conf/config.yaml`` builds on it and selects a scenario from ``scenarios/``
(each file a global override, registered as an option of the ``scenario``
group). The defaults here are the documented defaults of ``docs/model.md``.

Overrides behave as a user expects: a mapping assigned to a key *replaces*
what was there (``population.churn_prob={dist: constant, value: 0.01}``,
``channels={}``), where stock Hydra would merge it. :func:`compose` and the
command line both go through :func:`apply_overrides` for that.
"""
from __future__ import annotations

import copy
import difflib
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from .population import TRAITS
from .limits import MAX_DAYS
from .validation import ConfigError, check_choice, param

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # A wheel carries the tree inside the package; a source checkout has it beside.
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def conf_dir() -> Path:
    """Directory of the Hydra config tree (``conf/``)."""
    return _data_dir("conf")


def scenarios_dir() -> Path:
    """Directory of the scenarios shipped with marketing-sim (``scenarios/``)."""
    return _data_dir("scenarios")


#: Environment variables naming more folders of scenarios and of named sweeps
#: (several separated by ``os.pathsep``), searched before the working directory's.
SCENARIOS_ENV, SWEEPS_ENV = "MARKETING_SIM_SCENARIOS", "MARKETING_SIM_SWEEPS"


def _search_path(variable: str, local: Path, shipped: Path) -> list[Path]:
    """The folders of ``$variable``, then ``local`` (relative to the working directory), then
    ``shipped``: those that exist, each once."""
    listed = [Path(p) for p in os.environ.get(variable, "").split(os.pathsep) if p]
    folders, seen = [], set()
    for folder in [*listed, local, shipped]:
        if folder.is_dir() and folder.resolve() not in seen:
            seen.add(folder.resolve())
            folders.append(folder)
    return folders


def scenario_dirs() -> list[Path]:
    """Where ``scenario=NAME`` is looked up, the first folder holding ``NAME.yaml`` winning:
    ``$MARKETING_SIM_SCENARIOS``, ``./scenarios``, then the shipped scenarios."""
    return _search_path(SCENARIOS_ENV, Path("scenarios"), scenarios_dir())


def _files(folders: list[Path]) -> dict[str, Path]:
    """``{name: file}`` of the ``*.yaml`` in ``folders``, an earlier folder's file winning."""
    files = {}
    for folder in reversed(folders):
        files.update({p.stem: p for p in sorted(folder.glob("*.yaml"))})
    return dict(sorted(files.items()))


def scenario_files() -> dict[str, Path]:
    """``{name: file}`` of every scenario on the search path (:func:`scenario_dirs`)."""
    return _files(scenario_dirs())


def scenario_names() -> list[str]:
    """Names accepted by ``scenario=NAME``."""
    return list(scenario_files())


@dataclass
class HorizonConfig:
    acquisition_days: int = param(365, low=1, high=MAX_DAYS, integer=True, unit="days",
                                  doc="days on which channels spend and new customers arrive")
    ltv_days: int = param(365, low=1, high=MAX_DAYS, integer=True, unit="days",
                          doc="days each customer is followed after activation (the LTV window)")


@dataclass
class EconomicsConfig:
    gross_margin: float = param(0.4, low=0, high=1, unit="share of revenue",
                                doc="share kept after cost of goods")
    discount_rate: float = param(0.10, low=0, high=10, unit="per year",
                                 doc="money at age k days is divided by (1 + rate)^(k/365)")
    # The code every amount is read in, shown in tables, figures and reports. Assumption: the
    # shipped scenarios' figures are read as yuan (the domain brief's practice is Chinese and
    # names no currency); a scenario in another currency sets its own.
    currency: str = "CNY"


@dataclass
class CalendarConfig:
    # The date of day 0 (YYYY-MM-DD): outputs and figures show dates from it, and a sale's start
    # may be given as a date. An example year, not a forecast of a particular one.
    start_date: str = "2027-01-01"


@dataclass
class MarketConfig:
    size: int = param(1_000_000, low=1, integer=True, unit="prospects",
                      doc="addressable market; every acquisition draws from what is left")
    innovation: float = param(0.0, low=0, high=365, unit="per year", doc="Bass p, spontaneous adoption")
    imitation: float = param(0.0, low=0, high=365, unit="per year", doc="Bass q, word-of-mouth adoption")
    # Assumption (docs/domain.md §4: super users are "willing to share"; no
    # figure given): a paying member's word of mouth is worth 3 ordinary
    # customers' in Bass imitation and in invitations per purchase.
    member_influence: float = param(3.0, low=0, unit="ordinary customers per member",
                                    doc="weight of an active member in Bass imitation and factor on its "
                                        "invitations (assumption)")
    # Assumption (docs/domain.md §4: repeat purchase is "the strongest early
    # signal" of a super user; no figure for its word of mouth): a loyal
    # customer's word of mouth is an ordinary customer's unless set.
    loyal_influence: float = param(1.0, low=0, unit="ordinary customers per loyal customer",
                                   doc="weight of an active non-member with at least `loyal_purchases` purchases "
                                       "in Bass imitation and factor on its invitations (assumption)")
    loyal_purchases: int = param(2, low=2, integer=True, unit="purchases",
                                 doc="purchases that make a customer loyal (2: it has bought again)")
    organic_quality: Dict[str, Any] = field(default_factory=dict)   # trait -> multiplier for organic adopters


def _mapping(**spec) -> Any:
    return field(default_factory=lambda: dict(spec))


@dataclass
class PopulationConfig:
    initial_customers: int = param(0, low=0, integer=True, unit="customers",
                                   doc="existing base, activated on day 0")
    # Mean 0.01 a day: a purchase about every 100 days while active.
    daily_purchase_prob: Dict[str, Any] = _mapping(dist="gamma", shape=0.5, scale=0.02)
    # Mean 1/201 per period: a mean lifetime of about 200 periods, long-tailed.
    churn_prob: Dict[str, Any] = _mapping(dist="beta", a=1.0, b=200.0)
    # Mean 50 currency units per purchase.
    spend: Dict[str, Any] = _mapping(dist="gamma", shape=4.0, scale=12.5)
    referral_prob: Dict[str, Any] = _mapping(dist="constant", value=0.0)


@dataclass
class RetentionConfig:
    period_days: int = param(1, low=1, high=MAX_DAYS, integer=True, unit="days",
                             doc="churn is decided every period_days after activation")
    # true: each retention period is one purchase opportunity after the first purchase's, as in
    # the discrete BG/BB (python -m sim.calibrate --period writes it); no effect at period_days 1
    repeats_from_first_decision: bool = False


@dataclass
class ReferralConfig:
    # Share of invitations that become customers (an assumption; the domain
    # brief gives no figure). Invitations per purchase are population.referral_prob.
    conversion_prob: float = param(0.2, low=0, high=1, unit="probability per invitation",
                                   doc="share of invitations that become customers the next day")
    # Trait multipliers of referred customers. Assumption in the direction of
    # docs/domain.md §3 (word of mouth works through loyal customers): referred
    # customers churn less and refer more than the population; no figure given.
    quality: Dict[str, Any] = _mapping(churn_prob=0.8, referral_prob=1.5)


@dataclass
class CampaignsConfig:
    # Sale periods lifting demand, e.g. [{name: "11-11", start: 2027-11-11, days: 1, demand: 3.0}];
    # start is a date or a day of the run (0 is calendar.start_date)
    sale_days: List[Any] = field(default_factory=list)


@dataclass
class AllocationConfig:
    """One total daily budget split over items (sim/params.py ``_allocate``).

    An item is a channel with a ``daily_budget`` or a policy with one (the
    ``pool``), named as under ``channels`` or ``policies``. Every item's
    budget is per acquisition day, so the total is fixed however the
    weights move.
    """

    total_daily_budget: Optional[float] = None
    # item -> weight: the item gets total_daily_budget * weight / sum(weights)
    weights: Dict[str, Any] = field(default_factory=dict)
    # item -> [low, high], currency per day: the split is held inside them
    bounds: Dict[str, Any] = field(default_factory=dict)
    # "currency": bounds are currency per day; "today": multiples of each item's own daily_budget
    # (sim/params.py BOUNDS_UNITS)
    bounds_unit: str = "currency"


@dataclass
class SimConfig:
    seed: int = param(0, low=0, high=2 ** 128 - 1, integer=True, unit="integer",
                      doc="root of all randomness")
    replications: int = param(1, low=1, integer=True, unit="runs", doc="independent replications")
    workers: int = param(0, low=0, integer=True, unit="processes",
                         doc="processes the replications run on; 0: one per core for runs expected to take 2 s or more")
    horizon: HorizonConfig = field(default_factory=HorizonConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    economics: EconomicsConfig = field(default_factory=EconomicsConfig)
    market: MarketConfig = field(default_factory=MarketConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    referral: ReferralConfig = field(default_factory=ReferralConfig)
    campaigns: CampaignsConfig = field(default_factory=CampaignsConfig)
    # The metric a sweeper (e.g. Optuna) optimises; the command line returns it.
    objective: str = "profit"
    # Show a replication counter with elapsed time on a terminal (never when not a TTY).
    progress: bool = True
    # Write PNG figures into each run directory; large sweeps turn it off for speed.
    figures: bool = True
    # Split a total budget over channels: when total_daily_budget is set, each
    # channel named in weights gets total_daily_budget * weight / sum(weights)
    # as its daily_budget, so the total is fixed however the weights move.
    allocation: AllocationConfig = field(default_factory=lambda: AllocationConfig())
    # Uncertain inputs: config path -> distribution of its value, one draw per
    # pair of replications (sim.uncertainty).
    uncertainty: Dict[str, Any] = field(default_factory=dict)
    channels: Dict[str, Any] = field(default_factory=dict)   # name -> {kind: ..., parameters}
    policies: Dict[str, Any] = field(default_factory=dict)   # name -> parameters


DISPLAY_KEYS = ("objective", "progress", "figures", "workers")
"""Config keys that say what a run shows or returns, or how many processes compute it, not what it simulates: no part of a run's
identity (``sim.cli.config_hash``) and no input of its assumptions sheet (``sim.report``)."""


def sweeps_dir() -> Path:
    """The named sweeps shipped with marketing-sim (``experiments/sweep/``)."""
    inside = _PACKAGE / "sweep"
    return inside if inside.is_dir() else _PACKAGE.parent / "experiments" / "sweep"


def sweep_dirs() -> list[Path]:
    """Where ``+sweep=NAME`` is looked up: ``$MARKETING_SIM_SWEEPS``, ``./experiments/sweep``,
    then the shipped sweeps (the first folder holding ``NAME.yaml`` wins)."""
    return _search_path(SWEEPS_ENV, Path("experiments") / "sweep", sweeps_dir())


def sweep_files() -> dict[str, Path]:
    """``{name: file}`` of every named sweep on the search path (:func:`sweep_dirs`)."""
    return _files(sweep_dirs())


def register_configs() -> tuple:
    """Store the schema, every scenario and every named sweep in Hydra's ConfigStore (idempotent);
    return the stamp of the files stored (each one's group, name, path, time and size).

    A scenario file that does not load (:func:`load_scenario`) is left out,
    so it breaks only its own use: ``check_scenario`` reports it. The store
    is filled again only when a file was added, removed or changed since
    the last call, so composing many configs (a sweep's jobs, a notebook's
    loop) loads the scenarios once.
    """
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    files = {"scenario": scenario_files(), "sweep": sweep_files()}
    stamp = tuple((group, name, path, stat.st_mtime_ns, stat.st_size)
                  for group, named in files.items() for name, path in named.items() for stat in [path.stat()])
    registered = getattr(store, "marketing_sim_files", (None, ()))
    if registered[0] == stamp and all(name in store.repo.get(group, {}) for group, name in registered[1]):
        return stamp                    # the same files, and nothing taken out of the store since
    store.store(name="base_config", node=_schema_node())
    for group in files:
        store.repo.pop(group, None)                 # a file removed since is no choice any more
    for name, path in files["scenario"].items():
        try:
            store.store(group="scenario", name=name, node=load_scenario(path), package="_global_")
        except ConfigError:
            pass
    for name, path in files["sweep"].items():
        store.store(group="sweep", name=name, node=OmegaConf.load(path), package="_global_")
    stored = tuple((group, name) for group in files for name in store.repo.get(group, {}))
    # Hydra deep-copies its config repository, this store included, on every compose; the store
    # already hands out a copy of each node it loads, so the copies may share it.
    store.__deepcopy__ = _the_store
    store.marketing_sim_files = stamp, stored
    return stamp


def _the_store(memo: dict):
    """A deep copy of the ConfigStore: the store itself (:func:`register_configs`)."""
    from hydra.core.config_store import ConfigStore

    return ConfigStore.instance()


def check_scenario(name: str) -> None:
    """Raise ConfigError if ``name`` is not a scenario, or its file does not load (naming file, line and key)."""
    files = scenario_files()
    check_choice("scenario", name, list(files))
    load_scenario(files[name])


#: A resolver call inside an interpolation, e.g. ``${oc.env:HOME}``.
_RESOLVER = re.compile(r"\$\{\s*[\w.]+\s*:")


def load_scenario(path: Path) -> DictConfig:
    """Load one scenario file, checked against the schema, laid over its ``base`` if it names one.

    ``base: NAME`` starts the scenario from scenario NAME: what the file sets
    replaces or adds to the base's values (mappings merge key by key, so a
    variant's ``policies.pool`` joins the base's policies and
    ``channels.ads.daily_budget`` changes one number; trait distributions are
    replaced whole; ``channels: {ads: null}`` drops the base's channel).

    Raise ConfigError naming the scenario, the file's line and the key for
    YAML that does not parse, a key the schema does not have, a value of
    the wrong type, a ``base`` that is no scenario or closes a cycle, or a
    resolver interpolation (``${oc.env:VAR}`` and the like): a scenario is
    shared, so it may not read the machine it runs on and copy that into a
    run's config.json. Plain interpolations of other keys
    (``${horizon.ltv_days}``) are allowed.
    """
    return _with_base(path, [])


def _with_base(path: Path, loading: list[str]) -> DictConfig:
    node, base, line = _load_scenario(path, path.stat().st_mtime_ns)
    if base is None:
        return node.copy()
    files = scenario_files()
    if not isinstance(base, str) or base not in files:
        raise _failure(path, line, f"base = {base!r}: must name a scenario, one of {', '.join(files)}")
    chain = [*loading, path.stem]
    if base in chain:
        raise _failure(path, line, f"base = {base!r}: scenarios may not be based on each other in a cycle "
                       f"({' -> '.join([*chain, base])})")
    merged = OmegaConf.merge(_with_base(files[base], chain), node)
    for name, spec in (node.get("channels") or {}).items():
        if spec is None:               # ``channels: {ads: null}``: the variant does without the base's channel
            del merged.channels[name]
    for trait in TRAITS:
        given = OmegaConf.select(node, f"population.{trait}", default=None)
        if given is not None:
            OmegaConf.update(merged, f"population.{trait}", given, merge=False)
    return merged


def _failure(path: Path, line: int | None, problem: str) -> ConfigError:
    where = f"{path}" + (f", line {line}" if line else "")
    return ConfigError("scenario", path.stem, f"{where}: {problem}")


class _TextDates(yaml.SafeLoader):
    """YAML's safe loader but for dates, which stay text (``start: 2027-11-11``): OmegaConf holds no dates."""


_TextDates.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


@functools.lru_cache(maxsize=None)
def _load_scenario(path: Path, mtime: int) -> tuple[DictConfig, object, int | None]:
    """The file's own node (checked), the ``base`` it names (or None) and that key's line."""
    text = path.read_text(encoding="utf-8", errors="replace")

    def fail(line: int | None, problem: str):
        return _failure(path, line, problem)

    try:
        tree = yaml.compose(text)
        node = OmegaConf.create(yaml.load(text, Loader=_TextDates) or {})
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise fail(mark.line + 1 if mark else None,
                   f"not valid YAML ({getattr(error, 'problem', None) or error})") from None
    except OmegaConfBaseException as error:
        raise fail(None, str(error).strip().splitlines()[0]) from None
    if not isinstance(node, DictConfig):
        raise fail(1, "must be a mapping of config keys")
    for key, line, value in _scalars(tree):
        if isinstance(value, str) and _RESOLVER.search(value):
            raise fail(line, f"{key} = {value!r}: resolvers such as ${{oc.env:...}} are not allowed in "
                       "scenario files; put the value in the file or pass it on the command line")
    base = node.pop("base", None)
    base_line = next((line for key, line, _ in _scalars(tree) if key == "base"), None)
    try:
        OmegaConf.merge(_schema_node(), node)
    except OmegaConfBaseException as error:
        key = getattr(error, "full_key", None) or ""
        problem = str(error).strip().splitlines()[0]
        if isinstance(error, (ConfigKeyError, ConfigAttributeError)):
            problem = _unknown_key(key)
        line = next((line for found, line, _ in _scalars(tree, keys=True) if found == key), None)
        raise fail(line, f"{key}: {problem}") from None
    return node, base, base_line


def _scalars(node, prefix: str = "", keys: bool = False):
    """(dotted key, line, value) of every scalar (and, with ``keys``, every key) in a composed YAML tree."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            if keys:
                yield key, key_node.start_mark.line + 1, None
            yield from _scalars(value_node, key, keys)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _scalars(item, f"{prefix}[{index}]", keys)
    elif isinstance(node, yaml.ScalarNode) and not keys:
        yield prefix, node.start_mark.line + 1, node.value


#: Mappings whose keys are free in the schema (checked by sim.params) and
#: that are replaced whole, never merged, when assigned.
OPEN_MAPPINGS = (
    "channels", "policies", "uncertainty", "market.organic_quality", "referral.quality", "allocation.weights", "allocation.bounds",
    *(f"population.{trait}" for trait in TRAITS),
)


@functools.cache
def _schema_node() -> DictConfig:
    """The schema as a config node, with the open mappings accepting any key (built once and
    only read: merging and storing copy it)."""
    node = OmegaConf.structured(SimConfig)
    for path in OPEN_MAPPINGS:
        OmegaConf.set_struct(OmegaConf.select(node, path), False)
    return node


def apply_overrides(cfg: DictConfig, overrides: list[str]) -> None:
    """Replay ``overrides`` in order as assignments, so a mapping replaces what was there.

    Hydra has already applied them to ``cfg``, merging any mapping into the
    node it named; replaying every value override in order (scalars are
    unchanged by it) makes each mapping replace the node, and a later
    override of one field inside it still wins. Group choices (``scenario``,
    ``sweep``, ``hydra/...``) and deletions are left as Hydra applied them.
    """
    parsed = _parse(overrides)
    if not any(isinstance(o.value(), dict) for o in parsed if not o.is_delete()):
        return
    for override in parsed:
        if not (_chooses_group(override) or override.is_delete()):
            OmegaConf.update(cfg, override.key_or_group, override.value(), merge=False, force_add=True)


def _chooses_group(override) -> bool:
    """Whether a parsed override chooses a config group (``scenario``, ``sweep``, ``hydra/...``)
    or sets Hydra's own keys, rather than a value of the config."""
    key = override.key_or_group
    return key in ("scenario", "sweep") or key.startswith("hydra") or "/" in key


def _parse(overrides: list[str]) -> list:
    """Parse command-line style overrides; raise ConfigError for a sweep or bad syntax."""
    from hydra.errors import OverrideParseException

    try:
        parsed = [_parse_one(line) for line in overrides]
    except OverrideParseException as error:
        raise ConfigError("overrides", list(overrides), str(error).strip().splitlines()[0]) from None
    for override in parsed:
        if override.is_sweep_override():
            raise ConfigError(override.key_or_group, override.input_line,
                              "a sweep needs the command line's -m; compose takes single values")
    return parsed


@functools.lru_cache(maxsize=4096)
def _parse_one(line: str):
    """One override parsed by Hydra's grammar, once per distinct line: a sweep's jobs and a
    notebook's loop repeat the same lines, and parsing costs about 0.3 ms a line. The
    parsed override is only read."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create().parse_overrides([line])[0]


def compose(scenario: str | None = "default", overrides: list[str] | tuple = ()) -> DictConfig:
    """Compose the config of ``scenario`` with command-line style ``overrides``.

    >>> cfg = compose("default", ["replications=10", "channels.feed_ads.daily_budget=5000"])

    ``scenario=None`` leaves the choice to the config: ``default``, or the
    scenario a named sweep (``+sweep=NAME``) picks. Raise ConfigError for an
    unknown scenario or an override Hydra rejects. Overrides that only assign
    values are assigned to a copy of the scenario composed once (:func:`_assigned`);
    the others go through Hydra.
    """
    if scenario is not None:
        check_scenario(scenario)
    for override in overrides:
        if override.lstrip("+").startswith("sweep="):
            check_choice("sweep", override.split("=", 1)[1], list(sweep_files()))
    files = register_configs()
    overrides = list(overrides)
    assigned = _assigned(scenario, _parse(overrides), files)
    return _hydra_compose(scenario, overrides) if assigned is None else assigned


def _hydra_compose(scenario: str | None, overrides: list[str]) -> DictConfig:
    """:func:`compose` by Hydra, the overrides then replayed as assignments (:func:`apply_overrides`)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(str(conf_dir()), version_base="1.3"):
            chosen = [] if scenario is None else [f"scenario={scenario}"]
            cfg = hydra_compose("config", overrides=[*chosen, *overrides])
        apply_overrides(cfg, overrides)
    except (HydraException, OmegaConfBaseException) as error:
        raise explain_error(error, overrides) from None
    finally:
        GlobalHydra.instance().clear()
    return cfg


_ABSENT = object()


def _assigned(scenario: str | None, parsed: list, files: tuple) -> DictConfig | None:
    """``scenario``'s config with ``parsed`` overrides assigned to a copy of its composition
    without overrides, when each only sets a value at a key that is there when its turn comes:
    what Hydra's override and :func:`apply_overrides` make of it, without composing again
    (about 50 ms a composition, most of it Hydra reading its own config files).

    None, for :func:`compose` to go through Hydra, when an override adds (``+``, ``++``),
    deletes (``~``), names a package or a group (``scenario``, ``sweep``, ``hydra/...``) or a
    key that is not there, or sets a value the schema refuses: Hydra then says why. ``files``
    is the stamp of the registered files (:func:`register_configs`).
    """
    if any(o.is_add() or o.is_force_add() or o.is_delete() or o.package is not None or _chooses_group(o)
           for o in parsed):
        return None
    cfg = copy.deepcopy(_composed_alone(scenario, files, _conf_stamp()))
    for override in parsed:
        if OmegaConf.select(cfg, override.key_or_group, default=_ABSENT) is _ABSENT:
            return None
        try:
            OmegaConf.update(cfg, override.key_or_group, override.value(), merge=False)
        except (OmegaConfBaseException, ValueError, TypeError):
            return None
    return cfg


@functools.lru_cache(maxsize=16)
def _composed_alone(scenario: str | None, files: tuple, conf: tuple) -> DictConfig:
    """``scenario`` composed by Hydra without overrides, once for the scenario and sweep files
    ``files`` and the ``conf/`` files ``conf`` (their stamps: a file changed composes again);
    only read, :func:`_assigned` copies it."""
    return _hydra_compose(scenario, [])


def _conf_stamp() -> tuple:
    """Path, time and size of each file of ``conf/``."""
    return tuple((str(path), stat.st_mtime_ns, stat.st_size) for path in sorted(conf_dir().rglob("*.yaml"))
                 for stat in [path.stat()])


def explain_error(error: Exception, overrides: list[str]) -> ConfigError:
    """Turn a Hydra/OmegaConf error into a one-line ConfigError naming the key."""
    cause = error.__cause__ or error
    key = getattr(cause, "full_key", None)
    if not key:
        return ConfigError("overrides", overrides, str(cause).strip().splitlines()[0])
    value = next((o.split("=", 1)[1] for o in overrides
                  if "=" in o and o.lstrip("+~").split("=")[0] == key), None)
    if isinstance(cause, (ConfigKeyError, ConfigAttributeError)):
        return ConfigError(key, value, _unknown_key(key))
    return ConfigError(key, value, str(cause).strip().splitlines()[0])


def _unknown_key(key: str) -> str:
    """What to say of ``key``, which the schema does not have: the keys allowed beside it."""
    parent, _, name = key.rpartition(".")
    node = OmegaConf.select(_schema_node(), parent) if parent else _schema_node()
    allowed = sorted(node.keys()) if isinstance(node, DictConfig) else []
    hint = difflib.get_close_matches(name, allowed, n=1)
    return f"unknown key; allowed keys: {', '.join(allowed)}" + (f" (did you mean {hint[0]!r}?)" if hint else "")

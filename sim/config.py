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

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from omegaconf import DictConfig, OmegaConf

from .population import TRAITS
from .validation import ConfigError, check_choice

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # A wheel carries the tree inside the package; a source checkout has it beside.
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def conf_dir() -> Path:
    """Directory of the Hydra config tree (``conf/``)."""
    return _data_dir("conf")


def scenarios_dir() -> Path:
    """Directory of the named scenarios (``scenarios/``)."""
    return _data_dir("scenarios")


def scenario_names() -> list[str]:
    """Names accepted by ``scenario=NAME``."""
    return sorted(p.stem for p in scenarios_dir().glob("*.yaml"))


@dataclass
class HorizonConfig:
    acquisition_days: int = 365   # days on which new customers can arrive
    ltv_days: int = 365           # days each customer is followed after activation


@dataclass
class EconomicsConfig:
    gross_margin: float = 0.4     # share of revenue kept after cost of goods
    discount_rate: float = 0.10   # annual; day-k money is divided by (1 + rate)^(k/365)


@dataclass
class MarketConfig:
    size: int = 1_000_000         # addressable prospects; every acquisition draws from what is left
    innovation: float = 0.0       # Bass p per year (spontaneous adoption)
    imitation: float = 0.0        # Bass q per year (word of mouth)
    organic_quality: Dict[str, Any] = field(default_factory=dict)   # trait -> multiplier for organic adopters


def _mapping(**spec) -> Any:
    return field(default_factory=lambda: dict(spec))


@dataclass
class PopulationConfig:
    initial_customers: int = 0    # existing base, activated on day 0
    # Mean 0.01 a day: a purchase about every 100 days while active.
    daily_purchase_prob: Dict[str, Any] = _mapping(dist="gamma", shape=0.5, scale=0.02)
    # Mean 1/201 per period: a mean lifetime of about 200 periods, long-tailed.
    churn_prob: Dict[str, Any] = _mapping(dist="beta", a=1.0, b=200.0)
    # Mean 50 currency units per purchase.
    spend: Dict[str, Any] = _mapping(dist="gamma", shape=4.0, scale=12.5)
    referral_prob: Dict[str, Any] = _mapping(dist="constant", value=0.0)


@dataclass
class RetentionConfig:
    period_days: int = 1          # churn is decided every period_days after activation


@dataclass
class ReferralConfig:
    # Share of invitations that become customers (an assumption; the domain
    # brief gives no figure). Invitations per purchase are population.referral_prob.
    conversion_prob: float = 0.2
    # Trait multipliers of referred customers. Assumption in the direction of
    # docs/domain.md §3 (word of mouth works through loyal customers): referred
    # customers churn less and refer more than the population; no figure given.
    quality: Dict[str, Any] = _mapping(churn_prob=0.8, referral_prob=1.5)


@dataclass
class CampaignsConfig:
    # Sale periods lifting demand, e.g. [{name: "11-11", start: 313, days: 1, demand: 3.0}]
    sale_days: List[Any] = field(default_factory=list)


@dataclass
class AllocationConfig:
    total_daily_budget: Optional[float] = None
    weights: Dict[str, Any] = field(default_factory=dict)


@dataclass
class SimConfig:
    seed: int = 0
    replications: int = 1
    horizon: HorizonConfig = field(default_factory=HorizonConfig)
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
    channels: Dict[str, Any] = field(default_factory=dict)   # name -> {kind: ..., parameters}
    policies: Dict[str, Any] = field(default_factory=dict)   # name -> parameters


def sweeps_dir() -> Path:
    """Named sweep definitions (``experiments/sweep/``, in a source checkout)."""
    return _PACKAGE.parent / "experiments" / "sweep"


def register_configs() -> None:
    """Store the schema, every scenario and every named sweep in Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    store.store(name="base_config", node=_schema_node())
    for group, directory in (("scenario", scenarios_dir()), ("sweep", sweeps_dir())):
        for path in sorted(directory.glob("*.yaml")):
            store.store(group=group, name=path.stem, node=OmegaConf.load(path), package="_global_")


#: Mappings whose keys are free in the schema (checked by sim.params) and
#: that are replaced whole, never merged, when assigned.
OPEN_MAPPINGS = (
    "channels", "policies", "market.organic_quality", "referral.quality", "allocation.weights",
    *(f"population.{trait}" for trait in TRAITS),
)


def _schema_node() -> DictConfig:
    """The schema as a config node, with the open mappings accepting any key."""
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
    if not any(isinstance(o.value(), dict) for o in _parse(overrides) if not o.is_delete()):
        return
    for override in _parse(overrides):
        key = override.key_or_group
        if key in ("scenario", "sweep") or key.startswith("hydra") or "/" in key or override.is_delete():
            continue
        OmegaConf.update(cfg, key, override.value(), merge=False, force_add=True)


def _parse(overrides: list[str]) -> list:
    """Parse command-line style overrides; raise ConfigError for a sweep or bad syntax."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except OverrideParseException as error:
        raise ConfigError("overrides", list(overrides), str(error).strip().splitlines()[0]) from None
    for override in parsed:
        if override.is_sweep_override():
            raise ConfigError(override.key_or_group, override.input_line,
                              "a sweep needs the command line's -m; compose takes single values")
    return parsed


def compose(scenario: str | None = "default", overrides: list[str] | tuple = ()) -> DictConfig:
    """Compose the config of ``scenario`` with command-line style ``overrides``.

    >>> cfg = compose("default", ["replications=10", "channels.feed_ads.daily_budget=5000"])

    ``scenario=None`` leaves the choice to the config: ``default``, or the
    scenario a named sweep (``+sweep=NAME``) picks. Raise ConfigError for an
    unknown scenario or an override Hydra rejects.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    if scenario is not None:
        check_choice("scenario", scenario, scenario_names())
    register_configs()
    overrides = list(overrides)
    _parse(overrides)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(str(conf_dir()), version_base="1.3"):
            chosen = [] if scenario is None else [f"scenario={scenario}"]
            cfg = hydra_compose("config", overrides=[*chosen, *overrides])
        apply_overrides(cfg, overrides)
    except (HydraException, OmegaConfBaseException) as error:
        raise _explain(error, overrides) from None
    finally:
        GlobalHydra.instance().clear()
    return cfg


def _explain(error: Exception, overrides: list[str]) -> ConfigError:
    """Turn a Hydra/OmegaConf error into a one-line ConfigError naming the key."""
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError

    cause = error.__cause__ or error
    key = getattr(cause, "full_key", None)
    if not key:
        return ConfigError("overrides", overrides, str(cause).strip().splitlines()[0])
    value = next((o.split("=", 1)[1] for o in overrides
                  if "=" in o and o.lstrip("+~").split("=")[0] == key), None)
    if isinstance(cause, (ConfigKeyError, ConfigAttributeError)):
        parent, _, name = key.rpartition(".")
        node = OmegaConf.select(_schema_node(), parent) if parent else _schema_node()
        allowed = sorted(node.keys()) if isinstance(node, DictConfig) else []
        hint = difflib.get_close_matches(name, allowed, n=1)
        return ConfigError(key, value, f"unknown key; allowed keys: {', '.join(allowed)}"
                           + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    return ConfigError(key, value, str(cause).strip().splitlines()[0])

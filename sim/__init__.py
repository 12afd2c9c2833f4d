"""marketing-sim: an agent-based simulation of customers from acquisition to referral.

    import sim
    cfg = sim.compose("default", overrides=["replications=10"])
    res = sim.run(cfg)
    res.metrics["cac"], res.metrics["ltv"]
"""
from .config import compose
from .results import Result
from .validation import ConfigError

__all__ = ["compose", "run", "compare", "collect", "Result", "ConfigError", "plot"]


def __getattr__(name):
    # matplotlib is imported only when plotting is asked for.
    import importlib
    if name == "plot":
        return importlib.import_module(".plot", __name__)
    if name == "run":           # lazily, so `python -m sim.engine --plan` runs the module cleanly
        return importlib.import_module(".engine", __name__).run
    if name == "compare":       # lazily, so `python -m sim.comparison` runs the module cleanly
        return importlib.import_module(".comparison", __name__).compare
    if name == "collect":
        return importlib.import_module(".collection", __name__).collect
    raise AttributeError(f"module 'sim' has no attribute {name!r}")

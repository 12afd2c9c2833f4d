"""marketing-sim: an agent-based simulation of customers from acquisition to referral.

    import sim
    cfg = sim.compose("default", overrides=["replications=10"])
    res = sim.run(cfg)
    res.metrics["cac"], res.metrics["ltv"]
"""
from .comparison import compare
from .config import compose
from .engine import run
from .results import Result
from .validation import ConfigError

__all__ = ["compose", "run", "compare", "Result", "ConfigError", "plot"]


def __getattr__(name):
    # matplotlib is imported only when plotting is asked for.
    if name == "plot":
        import importlib
        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")

"""Hydra's basic sweeper with marketing-sim's check of a batch of jobs.

The basic sweeper composes every job's config in the main process before
launching any (``Sweeper.validate_batch_is_legal``), about 50 ms a job
while the workers wait, and the launcher composes each again. This one
checks the batch without composing it (``sim.sweep_check.check_batch``) and
otherwise sweeps exactly as the basic one: the same jobs, in the same order.
"""
# No `from __future__ import annotations`: Hydra runs this module before it is in sys.modules,
# where dataclasses would look string annotations up.
from collections.abc import Sequence
from dataclasses import dataclass

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper, BasicSweeperConf
from hydra.core.config_store import ConfigStore


@dataclass
class MarketingSimBasicSweeperConf(BasicSweeperConf):
    _target_: str = "hydra_plugins.marketing_sim.sweeper.MarketingSimBasicSweeper"


ConfigStore.instance().store(group="hydra/sweeper", name="marketing_sim", node=MarketingSimBasicSweeperConf,
                             provider="marketing-sim")


class MarketingSimBasicSweeper(BasicSweeper):
    """The basic sweeper; a batch is checked by ``sim.sweep_check.check_batch``, or composed
    job by job as the basic sweeper does when its jobs choose different config groups."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        from sim.sweep_check import check_batch

        if not check_batch(self.config, batch, self.hydra_context.config_loader):
            super().validate_batch_is_legal(batch)      # jobs choose config groups: compose each

"""marketing-sim's Hydra plugins.

* ``sweeper.py``: ``hydra/sweeper=marketing_sim``, the default of grid sweeps
  (``conf/hydra_setup/default.yaml``): Hydra's basic sweeper with a batch
  check that does not compose every job first;
* ``launcher.py``: ``hydra/launcher=marketing_sim``, a sweep's jobs on
  forked worker processes.

Hydra instantiates only plugins inside the ``hydra_plugins`` namespace
package, so the classes live here; what they call of marketing-sim
(``sim.sweep_check``, ``sim.parallel``) is imported only when a sweep starts.
"""

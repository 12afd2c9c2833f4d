"""marketing-sim's Hydra sweeper (``hydra/sweeper=marketing_sim``, the default of ``conf/config.yaml``).

Hydra instantiates only plugins inside the ``hydra_plugins`` namespace
package, so the class lives here; the checks it runs are marketing-sim's
(``sim.sweep_check``), imported only when a sweep starts.
"""

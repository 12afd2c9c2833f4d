"""Acquisition from spend history and lift tests: fit the channels' response curves.

* :mod:`.history`: the spend history and lift-test tables, read and checked;
* :mod:`.model`: adstock + Hill per channel and an organic baseline, the likelihood;
* :mod:`.fit`: :func:`fit_acquisition` -> :class:`AcquisitionFit`;
* :mod:`.scenario`: the fit as the simulator's channels and ``uncertainty``;
* ``python -m sim.calibrate.acquisition HISTORY.csv --out scenarios/NAME.yaml`` (:mod:`.__main__`).

Models and how to run them: docs/calibration.md, *Acquisition from spend history and lift tests*.
"""
from .fit import AcquisitionFit, fit_acquisition

__all__ = ["AcquisitionFit", "fit_acquisition"]

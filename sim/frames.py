"""Results and collected sweeps as pandas and xarray objects, for notebooks and other tools.

pandas, xarray and pyarrow are optional (the ``notebook`` extra); each view
imports what it needs when called, and raises ImportError naming the extra
when it is missing. The views are reached through their owners:
:meth:`sim.Result.to_frame`, :meth:`sim.Result.to_xarray`,
:meth:`sim.collection.Table.to_frame` and :meth:`sim.collection.Table.to_parquet`.
"""
from __future__ import annotations

import importlib

import numpy as np

from .collection import FIXED

#: What to install for any view of this module.
INSTALL = "pip install 'marketing-sim[notebook]'"


def require(module: str, needed_by: str):
    """Import ``module``, or raise ImportError saying that ``needed_by`` needs it and how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"{needed_by} needs {module}: {INSTALL}") from error


def daily_frame(result, long: bool = False):
    """The daily series of ``result`` (means over replications) as a pandas DataFrame.

    Wide (default): one row per day, indexed by ``day``; a ``date`` column
    (``result.dates()``) and then every series of ``result.daily`` as a column,
    values unchanged. Long: one row per day and series, columns ``day``,
    ``date``, ``series``, ``source`` and ``value``; a per-source series such as
    ``spend.feed_ads`` or ``new.organic`` is split at its first dot into
    ``series`` (``spend``) and ``source`` (``feed_ads``: a channel, ``organic``,
    ``referral``, ``initial`` or a policy), and ``source`` is missing for a
    series of the whole business (``revenue``).
    """
    pd = require("pandas", "Result.to_frame")
    wide = pd.DataFrame(result.daily).set_index("day")
    wide.insert(0, "date", result.dates())
    if not long:
        return wide
    frame = wide.reset_index().melt(id_vars=["day", "date"], var_name="series", value_name="value")
    name, dot, source = (frame["series"].str.partition(".")[part] for part in range(3))
    frame["series"] = name
    frame.insert(frame.columns.get_loc("value"), "source", source.where(dot == "."))
    return frame


def replication_dataset(result):
    """Every replication of ``result`` as an xarray Dataset.

    One variable per daily series over dims ``(replication, day)``, and
    ``metrics`` over ``(replication, metric)``: each replication's value of
    every metric (``result.per_replication``); with uncertain inputs, also
    ``inputs`` over ``(replication, input)``: the value each replication drew
    (``result.inputs``). Coordinates: ``replication`` (0, 1, ...), ``day``,
    ``date`` (along ``day``), ``metric`` and ``input``; the ``currency``
    attribute is the code of every amount. The mean over ``replication`` of a
    series is ``result.daily``.

    Raise ValueError for a result without per-replication series (one read
    by ``Result.load``: a run directory keeps only the means).
    """
    xr = require("xarray", "Result.to_xarray")
    if not result.daily_per_replication:
        raise ValueError("Result.to_xarray needs each replication's daily series, and a run directory keeps "
                         "only their means: use to_frame() for the means, or run the config again with sim.run")
    series = {name: (("replication", "day"), values)
              for name, values in result.daily_per_replication.items() if name != "day"}
    # (variable, its second dim, name -> one value per replication); inputs only when uncertain
    tables = [(name, dim, values) for name, dim, values in
              (("metrics", "metric", result.per_replication), ("inputs", "input", result.inputs)) if values]
    return xr.Dataset(
        {**series, **{name: (("replication", dim), np.column_stack(list(values.values())))
                      for name, dim, values in tables}},
        coords={"replication": np.arange(result.replications), "day": result.daily["day"],
                "date": ("day", result.dates()), **{dim: list(values) for _, dim, values in tables}},
        attrs={"currency": result.currency})


def sweep_frame(table, long: bool = False):
    """A collected sweep (:class:`sim.collection.Table`) as a pandas DataFrame.

    Wide (default): the table as it is, one row per job, its columns in
    ``table.columns``. Long: one row per job and metric, columns ``run``,
    ``status``, ``error``, the swept overrides, ``metric``, ``mean``, ``p05``
    and ``p95``, jobs in table order and metrics in column order. A job that
    did not complete has a row for every metric, its numbers missing; a
    metric without an interval (one replication) has its value as both
    bounds, since that is the percentile of a single value.
    """
    pd = require("pandas", "Table.to_frame")
    if not long:
        return pd.DataFrame(table.rows, columns=table.columns)
    keys = [*FIXED, *table.overrides]
    records = [{**{key: row.get(key) for key in keys}, "metric": metric, "mean": row.get(metric),
                "p05": row.get(metric + "_p05", row.get(metric)), "p95": row.get(metric + "_p95", row.get(metric))}
               for row in table.rows for metric in table.metrics]
    frame = pd.DataFrame(records, columns=[*keys, "metric", "mean", "p05", "p95"])
    return frame.astype({"mean": float, "p05": float, "p95": float})


def write_parquet(table, path, long: bool = False):
    """Write :func:`sweep_frame` of ``table`` (wide or long) to the parquet file ``path`` (needs pyarrow)."""
    require("pyarrow", "Table.to_parquet")
    sweep_frame(table, long).to_parquet(path, engine="pyarrow", index=False)

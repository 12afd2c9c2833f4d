"""Checking a sweep's jobs before any of them runs, without composing each one.

Hydra's basic sweeper composes every job's config in the main process
before it launches the first (about 50 ms a job, while the workers wait),
and the launcher composes each job again. :func:`check_batch`, which
marketing-sim's sweeper (``hydra/sweeper=marketing_sim``) runs instead,
checks a grid of values for the cost of assigning each distinct value once
to a copy of the sweep's config. All values share that copy, so a value
that only another job's value makes assignable passes here; its job then
stops the sweep when the launcher composes it, where Hydra's check would
have stopped it before the first job.
"""
from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence

from .config import explain_error


def check_batch(config, batch: Sequence[Sequence[str]], config_loader) -> bool:
    """Check that every job of ``batch`` (each a list of overrides) can be composed from
    ``config``, the sweep's config; return False if only composing each job can tell.

    Each distinct value override is applied to one copy of ``config`` as Hydra's compose
    applies it (``+key=`` adds, ``++key=`` adds or replaces, ``~key`` deletes, ``key=`` must
    exist and take the schema's type), so a key a job's value cannot go into, or a value
    the schema refuses, raises ConfigError naming the key and value before any job runs.
    A config group choice (``scenario=``, ``+sweep=``) that differs between jobs decides
    which keys the jobs have: then nothing is checked here and False is returned.
    """
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    lines = list(dict.fromkeys(line for job in batch for line in job))
    parsed = OverridesParser.create(config_loader).parse_overrides(lines)
    groups = {o.key_or_group for o in parsed if config_loader.repository.group_exists(o.key_or_group)}
    chosen = [o.key_or_group for o in parsed if o.key_or_group in groups]
    if len(chosen) > len(set(chosen)):
        return False
    scratch = copy.deepcopy(config)
    for override in sorted(parsed, key=lambda o: o.is_delete()):    # a deleted key may be set by other jobs
        if override.key_or_group in groups:
            continue
        if override.is_add() and OmegaConf.select(config, override.key_or_group, throw_on_missing=False) is None:
            # added by one job, added again by the next: each adds it to its own config
            override = dataclasses.replace(override, type=OverrideType.FORCE_ADD)
        try:
            ConfigLoaderImpl._apply_overrides_to_config([override], scratch)
        except (HydraException, OmegaConfBaseException) as error:
            raise explain_error(error, [override.input_line]) from None
    return True

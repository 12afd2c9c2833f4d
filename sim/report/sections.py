"""Sections every report shares: its header, the question, the assumptions sheet, and how
numbers read in sentences and cells."""
from __future__ import annotations

import datetime
import functools
import json
from pathlib import Path

import numpy as np

from ..config import DISPLAY_KEYS, compose, scenario_files
from ..results import Result, format_number
from .html import escape, html_table, prose

#: Metrics read as shares, shown as percentages in sentences.
SHARES = ("repeat_purchase_rate", "churn_rate", "referral_share", "activation_rate")
#: Metrics counted in money, so a sentence names the currency.
MONEY = ("cac", "ltv", "profit", "profit_npv", "acquisition_spend")


def header(title: str, line: str) -> str:
    made = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"<h1>{escape(title)}</h1>\n<p class=meta>{escape(line)} · report made {made}</p>"


def question(scenario: str) -> str:
    """The scenario file's header comment, its Question paragraph first."""
    path = scenario_files().get(scenario)
    return about(path, "scenario") if path else ""


def about(path: Path, kind: str) -> str:
    """The section "The question" from the header comment of the scenario or sweep file ``path``."""
    paragraphs = header_comment(path)
    if not paragraphs:
        return ""
    asked = [p for p in paragraphs if p.startswith("Question:")]
    rest = [p for p in paragraphs if not p.startswith("Question:")]
    parts = ["<h2>The question</h2>"]
    parts += [f"<p class=question>{prose(_capitalised(p.removeprefix('Question:').strip()))}</p>"
              for p in asked]
    parts += [f"<p>{prose(p)}</p>" for p in rest]
    parts.append(f"<p class=meta>From the header of the {kind} file {escape(str(path))}.</p>")
    return "\n".join(parts)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def header_comment(path: Path) -> list[str]:
    """The paragraphs of the comment a YAML file starts with (blank comment lines split them)."""
    paragraphs, current = [], []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if text:
            current.append(text)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def assumptions(config: dict, reference: tuple[str, dict] | None, result: Result | None = None,
                 side: str = "this run") -> str:
    """Inputs that differ from the reference config, the uncertain inputs, then every input folded."""
    flat = flatten({k: v for k, v in config.items() if k not in DISPLAY_KEYS})
    parts = ["<h2>Assumptions</h2>"]
    if reference is not None:
        name, base = reference
        base_flat = flatten({k: v for k, v in base.items() if k not in DISPLAY_KEYS})
        changed = [[path, value_text(base_flat.get(path)), value_text(value)] for path, value in flat.items()
                   if base_flat.get(path) != value]
        changed += [[path, value_text(value), "(none)"] for path, value in base_flat.items() if path not in flat]
        parts.append(f"<h3>Inputs that differ from the {escape(name)}</h3>")
        parts.append(html_table(["input", name, side], changed) if changed else
                     f"<p>None: this run's inputs are those of the {escape(name)}.</p>")
    assumed = _assumed(config, flat)
    if assumed:
        parts.append("<h3>Assumptions the model makes</h3>\n<p>Parameters declared as assumptions (no "
                     "figure in the sources): their value in this run, whatever the base scenario says.</p>")
        parts.append(html_table(["input", "value", "meaning"], assumed))
    uncertain = config.get("uncertainty") or {}
    if uncertain:
        parts.append("<h3>Uncertain inputs</h3>")
        cells = []
        for path, spec in uncertain.items():
            drawn = (result.inputs.get(path) if result is not None else None)
            seen = "" if drawn is None or not len(drawn) else \
                f"{format_number(float(np.min(drawn)))} to {format_number(float(np.max(drawn)))}"
            cells.append([path, value_text(spec), seen])
        parts.append(html_table(["input", "distribution", "drawn, lowest to highest"], cells))
    parts.append("<details><summary>Every input of the run</summary>\n"
                 + html_table(["input", "value"], [[p, value_text(v)] for p, v in flat.items()]) + "</details>")
    return "\n".join(parts)


def _assumed(config: dict, flat: dict) -> list[list[str]]:
    """[path, value, meaning] of each input of ``config`` whose declaration calls it an assumption."""
    from ..uncertainty import declared_at
    from ..validation import ConfigError

    rows = []
    for path, value in flat.items():
        try:
            doc = declared_at(path, config).get("doc", "")
        except ConfigError:         # not a numeric parameter: no declaration to read
            continue
        if "assumption" in doc:
            rows.append([path, value_text(value), doc])
    return rows


def reference() -> tuple[str, dict] | None:
    """The checked config of the ``base`` scenario the strategy scenarios start from, if there is one."""
    base = scenario_files().get("base")
    return None if base is None else ("base scenario", _checked_base(base, base.stat().st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _checked_base(path: Path, mtime: int) -> dict:
    """``validate(compose("base")).config``, once per version of the file (a sweep's jobs share it)."""
    from ..params import validate

    return validate(compose("base")).config


def interval_text(result: Result, key: str) -> str:
    if result.replications == 1:
        return ""
    low, high = result.intervals[key]
    return f"{result.shown(key, low)} to {result.shown(key, high)}"


def plain(key: str, value: float) -> str:
    return f"{value:.1%}" if key in SHARES else format_number(value)


def value_text(value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def flatten(data: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` as ``{"a.b": 1}``; lists and distribution specs (mappings with ``dist``)
    stay whole, and an empty mapping (no channels, no policies) holds no input."""
    flat = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and "dist" not in value:
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat



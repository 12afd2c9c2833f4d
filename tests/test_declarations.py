"""Every parameter is declared once: the docs' tables, the kinds' records and
the registries are read from the declarations, and checked against them here."""
from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from sim.channels import KINDS as CHANNELS
from sim.channels import Channel, Schedule, build_channel
from sim.declarations import package_kinds, parameter_rows, sections, shown
from sim.policies import KINDS as POLICIES
from sim.policies import Policy, build_policy
from sim.validation import LARGEST

MODEL = Path(__file__).parents[1] / "docs" / "model.md"


def docs_tables() -> dict[str, dict[str, list[list[str]]]]:
    """chapter -> section heading -> the cells of the first table under it, header included."""
    tables, chapter, heading = {}, None, None
    lines = MODEL.read_text().splitlines()
    for index, line in enumerate(lines):
        if line.startswith("## "):
            chapter, heading = line[3:].strip(), None
        elif line.startswith("### "):
            heading = line[4:].strip()
        elif line.startswith("|") and heading and heading not in tables.setdefault(chapter, {}):
            rows = []
            for row in lines[index:]:
                if not row.startswith("|"):
                    break
                rows.append([cell.strip() for cell in row.strip().strip("|").split("|")])
            tables[chapter][heading] = [rows[0], *rows[2:]]
    return tables


DOCS = docs_tables()
EXPECTED = sections()
CASES = [(chapter, heading) for chapter, tables in EXPECTED.items() for heading in tables]


@pytest.mark.parametrize("chapter, heading", CASES)
def test_each_docs_table_is_the_one_printed_from_the_declarations(chapter, heading):
    header, *rows = DOCS[chapter][heading]
    assert header == ["key", "unit", "default", "meaning"]
    documented = {row[0]: row for row in rows}
    declared = {cells[0]: list(cells) for cells in EXPECTED[chapter][heading]}
    assert documented.keys() - declared.keys() == set(), "rows naming no declared parameter"
    assert declared.keys() - documented.keys() == set(), "declared parameters without a row"
    for key, cells in declared.items():
        assert documented[key] == cells, f"docs/model.md, {heading}, {key}: run python -m sim.declarations"


def every_key_documented(chapter: str, shared: str, registry: dict):
    """(kind, key, its default as documented, its default as declared) for every config key of every kind."""
    tables = {heading: {row[0]: row[2] for row in rows[1:]} for heading, rows in DOCS[chapter].items()}
    for kind, cls in package_kinds(registry).items():
        own, common = tables[f"`{kind}`"], tables[shared]
        for row in parameter_rows(cls):
            key = f"`{row.name}`"
            assert key in own or key in common, f"{kind}.{row.name} has no row"
            yield kind, row.name, own.get(key, common.get(key)), row.default


@pytest.mark.parametrize("chapter, shared, registry", [
    ("Channels", "Shared parameters", CHANNELS), ("Policies", "Targeting: `target_tiers`", POLICIES)])
def test_every_parameter_of_every_kind_has_a_row_with_its_default(chapter, shared, registry):
    checked = list(every_key_documented(chapter, shared, registry))
    assert len(checked) == sum(len(list(parameter_rows(cls))) for cls in package_kinds(registry).values())
    for kind, name, documented, declared in checked:
        assert documented == declared, (kind, name)


def test_every_numeric_parameter_has_a_unit_and_a_meaning():
    classes = [Channel, Schedule, Policy, *package_kinds(CHANNELS).values(), *package_kinds(POLICIES).values()]
    for cls in classes:
        for row in parameter_rows(cls):
            assert row.unit and row.doc, f"{cls.__name__}.{row.name}"


def test_the_tables_print_from_the_command_line():
    printed = subprocess.run([sys.executable, "-m", "sim.declarations"], capture_output=True, text=True,
                             check=True)
    assert printed.stderr == ""
    assert "### `paid`" in printed.stdout and "| `daily_budget` | currency per day, ≥ 0 | `1000.0` |" in printed.stdout


def test_defaults_are_shown_as_the_docs_write_them():
    assert [shown(v) for v in (True, 0.5, 7, "flat", (), {}, math.inf, Schedule(kind="events", every_days=3))] == [
        "`true`", "`0.5`", "`7`", "`flat`", "`[]`", "`{}`", "none (no cap)", "`{kind: events, every_days: 3}`"]


# --- records -----------------------------------------------------------------------------

def other_value(declared: dataclasses.Field):
    """A valid value of a numeric parameter other than its default."""
    low, high = declared.metadata["low"], declared.metadata["high"]
    if declared.metadata["integer"]:
        value = declared.default + 1
        return value if high is None or value <= high else declared.default - 1
    if high is not None and high < LARGEST:
        middle = (low + high) / 2
        return middle if middle != declared.default else (low + 3 * high) / 4
    return declared.default * 2 + 1 if math.isfinite(declared.default) else 5000.0


def changed(cls, keys) -> dict:
    """A value other than its default for each numeric key of ``cls`` among ``keys``."""
    return {f.name: other_value(f) for f in dataclasses.fields(cls) if f.name in keys and "low" in f.metadata}


def channel_specs(kind, cls):
    yield {"kind": kind}
    spec = {"kind": kind, **changed(cls, cls.config_keys()), "quality": {"spend": 1.5}}
    if "schedule" in cls.config_keys():
        spec["schedule"] = {"kind": "flights", "flights": [[0, 3], [5, 9]], "pacing": "asap",
                            **changed(Schedule, [f.name for f in dataclasses.fields(Schedule)])}
    if "arrivals" in cls.config_keys():
        spec["arrivals"] = [3, 0, 2]
    yield spec


def policy_specs(kind, cls):
    yield {"kind": kind}
    spec = {"kind": kind, **changed(cls, cls.config_keys())}
    if "phases" in cls.config_keys():
        spec["phases"] = [{"start": 30, "price_discount": 0.2}, {"start": 90, "custom_offer_purchase_lift": 2.0}]
    spec.update({f.name: not f.default for f in dataclasses.fields(cls) if isinstance(f.default, bool)})
    spec["target_tiers"] = [1, 2]
    yield spec


CHANNEL_CASES = [(kind, spec) for kind, cls in package_kinds(CHANNELS).items() for spec in channel_specs(kind, cls)]
POLICY_CASES = [(kind, spec) for kind, cls in package_kinds(POLICIES).items() for spec in policy_specs(kind, cls)]


@pytest.mark.parametrize("kind, spec", CHANNEL_CASES, ids=[f"{k}-{len(s)}" for k, s in CHANNEL_CASES])
def test_a_channels_record_rebuilds_an_equal_channel(kind, spec):
    channel = build_channel("c", spec, 3)
    record = channel.record()
    rebuilt = build_channel("c", record, 3)
    assert rebuilt == channel and rebuilt.record() == record
    assert set(record) == {"kind", *type(channel).config_keys()}
    assert json.loads(json.dumps(record)) == record       # plain data, no inf


@pytest.mark.filterwarnings("ignore:.*legal risk")      # three referral levels, allowed
@pytest.mark.parametrize("kind, spec", POLICY_CASES, ids=[f"{k}-{len(s)}" for k, s in POLICY_CASES])
def test_a_policys_record_rebuilds_an_equal_policy(kind, spec):
    policy = build_policy("p", spec)
    record = policy.record()
    rebuilt = build_policy("p", record)
    assert rebuilt == policy and rebuilt.record() == record
    assert set(record) == {"kind", *type(policy).config_keys()}
    assert json.loads(json.dumps(record)) == record


def test_a_record_leaves_out_an_unlimited_total_budget_and_keeps_a_finite_one():
    assert "total_budget" not in build_channel("c", {"kind": "paid"}, 0).record()["schedule"]
    capped = build_channel("c", {"kind": "paid", "schedule": {"total_budget": 1e4}}, 0)
    assert capped.record()["schedule"]["total_budget"] == 1e4


# --- registries --------------------------------------------------------------------------

def test_a_subclass_with_a_kind_registers_itself_and_a_second_one_is_refused():
    @dataclasses.dataclass
    class Trial(Channel, kind="trial-kind"):
        def most_leads(self):
            return 0.0
    try:
        assert CHANNELS["trial-kind"] is Trial
        assert build_channel("t", {"kind": "trial-kind"}, 0).record()["kind"] == "trial-kind"
        with pytest.raises(TypeError, match="'trial-kind'.*already registered"):
            type("Again", (Channel,), {}, kind="trial-kind")
    finally:
        del CHANNELS["trial-kind"]


def test_only_a_class_that_names_its_kind_in_the_class_statement_registers():
    class Variant(POLICIES["pool"]):         # keeps its parent's kind
        pass

    class Helper(Policy):                    # a test helper, built directly
        kind = "helper"
    assert POLICIES["pool"] is not Variant and "helper" not in POLICIES


def parameters_chapter_tables() -> dict[str, dict[str, str]]:
    """Section of the Parameters chapter ('' for the top level) -> key -> its documented default."""
    tables, section, inside = {}, None, False
    for line in MODEL.read_text().splitlines():
        if line.startswith("## "):
            inside, section = line.strip() == "## Parameters", ""
        elif inside and line.startswith("### "):
            section = line[4:].strip().strip("`")
        elif inside and line.startswith("| `") and section is not None:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) == 4:        # a key | unit | default | meaning row
                tables.setdefault(section, {}).setdefault(cells[0].strip("`"), cells[2])
    return tables


def test_the_top_level_sections_are_documented_with_their_declared_defaults():
    """Every field of sim/config.py's schema has a row in its Parameters section, with
    the declared default where the default is a number (mappings are described in prose)."""
    from sim.config import SimConfig

    documented = parameters_chapter_tables()
    checked = 0
    for field in dataclasses.fields(SimConfig):
        if field.name in ("channels", "policies", "campaigns"):       # their own chapters
            continue
        nested = field.default_factory is not dataclasses.MISSING and dataclasses.is_dataclass(
            field.default_factory())
        section, members = (field.name, dataclasses.fields(field.default_factory())) if nested else ("", [field])
        for member in members:
            assert member.name in documented.get(section, {}), f"{section}.{member.name} has no row"
            if "low" in member.metadata:
                assert documented[section][member.name] == shown(member.default), (section, member.name)
                assert member.metadata["unit"] and member.metadata["doc"], (section, member.name)
                checked += 1
    assert checked >= 12

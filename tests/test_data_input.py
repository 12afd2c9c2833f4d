"""Transaction logs as they come: column names, delimiters, amounts, refunds, time zones, counts only.

Each case is checked against its plain twin: a messy log and the clean
``customer_id,date,amount`` log it stands for must read to the same
transactions (and calibrate to the same scenario).
"""
from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.calibrate import DataWarning, data
from test_calibration_output import END, gamma_amount, run_command, shop_log


def write(path: Path, header, rows, delimiter=",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def same(a: data.Transactions, b: data.Transactions) -> None:
    for name in ("customer", "day", "ids"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_allclose(a.amount, b.amount, rtol=1e-12)
    assert a.origin == b.origin


CLEAN = {"customer_id": ["a", "a", "b", "c"], "date": ["2024-01-01", "2024-01-05", "2024-01-02", "2024-01-03"],
         "amount": [1234.5, 17.66, 3.0, 0.5]}


@pytest.mark.parametrize("written, decimal", [
    (["$1,234.50", "$17.66", "USD 3", "0.50 $"], "auto"),
    (["1.234,50 €", "17,66 €", "3 €", "0,50€"], "auto"),
    (["1 234,50", "17,66", "3", "0,5"], "auto"),           # spaces group thousands
    (["1'234.50", "17.66", "£3", "0.5"], "auto"),
    (["1,234.500", "17.660", "3.000", "0.500"], "point"),  # three decimals: only the flag can tell
    (["1.234,500", "17,660", "3,000", "0,500"], "comma"),
])
def test_amounts_with_currency_grouping_and_either_decimal_read_as_their_plain_twin(written, decimal):
    same(data.load({**CLEAN, "amount": written}, data.Reading(decimal=decimal)), data.load(CLEAN))


@pytest.mark.parametrize("written, message", [
    (["1,234", "17,660", "3", "1"], "every separator is followed by three digits"),
    (["17,66", "17.66", "3", "1"], "some amounts write decimals with a comma, others with a point"),
    (["$17.66", "seventeen", "3", "1"], "row 2: amount = 'seventeen': not a number"),
])
def test_amounts_that_cannot_be_read_name_the_way_out(written, message):
    with pytest.raises(data.DataError, match=message):
        data.load({**CLEAN, "amount": written})


def test_other_column_names_are_mapped_and_a_wrong_mapping_names_what_the_data_has():
    theirs = {"customer_email": CLEAN["customer_id"], "created_at": CLEAN["date"], "total_price": CLEAN["amount"]}
    mapping = data.Reading.parse_columns("customer=customer_email,date=created_at,amount=total_price")
    same(data.load(theirs, data.Reading(columns=mapping)), data.load(CLEAN))
    with pytest.raises(data.DataError, match="required column.*--columns maps other names"):
        data.load(theirs)
    with pytest.raises(data.DataError, match="the data has no column 'email'.*found: customer_email"):
        data.load(theirs, data.Reading(columns={"customer": "email"}))
    for text in ("customer", "customer=", "=email,date=created_at"):
        with pytest.raises(data.DataError, match="standard=yours pairs"):
            data.Reading.parse_columns(text)
    with pytest.raises(data.DataError, match="unknown column.*price"):
        data.Reading(columns={"price": "total_price"})


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_a_semicolon_tab_or_bar_separated_file_is_read_as_its_comma_twin(delimiter, tmp_path):
    rows = list(zip(*CLEAN.values()))
    comma = write(tmp_path / "comma.csv", CLEAN, rows)
    other = write(tmp_path / "other.csv", CLEAN, [(c, d, str(a).replace(".", ",")) for c, d, a in rows]
                  if delimiter == ";" else rows, delimiter)
    same(data.load(other), data.load(comma))


def test_a_header_that_no_delimiter_splits_is_one_clear_error(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("customer_id:date:amount\na:2024-01-01:1\n")
    with pytest.raises(data.DataError, match="one field with every delimiter tried"):
        data.load(path)


def test_refunds_are_refused_by_default_dropped_or_netted_off_the_latest_purchase():
    log = {"customer_id": ["a", "a", "a", "b", "b", "c"],
           "date": ["2024-01-01", "2024-01-04", "2024-01-06", "2024-01-02", "2024-01-03", "2024-01-02"],
           "amount": ["10", "20", "-5", "8", "(8)", "4"]}
    with pytest.raises(data.DataError, match=r"row 3: amount = '-5': a refund \(2 in all\); pass --refunds net"):
        data.load(log)
    dropped = data.load(log, data.Reading(refunds="drop"))
    same(dropped, data.load({"customer_id": ["a", "a", "b", "c"],
                             "date": ["2024-01-01", "2024-01-04", "2024-01-02", "2024-01-02"],
                             "amount": [10, 20, 8, 4]}))
    assert (dropped.refunds, dropped.refunded) == (2, 13.0)
    # a's refund comes off its day-4 purchase; b's refunds its only purchase in full: b bought nothing
    netted = data.load(log, data.Reading(refunds="net"))
    same(netted, data.load({"customer_id": ["a", "a", "c"], "date": ["2024-01-01", "2024-01-04", "2024-01-02"],
                            "amount": [10, 15, 4]}))
    assert (netted.refunds, netted.refunded) == (2, 13.0)
    with pytest.raises(data.DataError, match="no purchase by the same customer on or before 2024-01-01"):
        data.load({"customer_id": ["a", "a"], "date": ["2024-01-01", "2024-01-02"], "amount": [-1, 5]},
                  data.Reading(refunds="net"))


def test_timestamps_keep_their_written_date_unless_a_time_zone_is_given():
    stamps = ["2024-03-01T23:30:00-05:00", "2024-03-01T23:30:00Z", "2024-03-01 08:00", "2024-03-02"]
    written = data._dates(stamps)
    np.testing.assert_array_equal(written, np.array(["2024-03-01", "2024-03-01", "2024-03-01", "2024-03-02"],
                                                    dtype="datetime64[D]"))
    # 23:30 at UTC-5 is 05:30 the next day in Paris (UTC+1); 23:30 UTC is 00:30 there; no offset: as written
    paris = data._dates(stamps, "Europe/Paris")
    np.testing.assert_array_equal(paris, np.array(["2024-03-02", "2024-03-02", "2024-03-01", "2024-03-02"],
                                                  dtype="datetime64[D]"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no numpy timezone warning either
        data.load({"customer_id": ["a", "b"], "date": stamps[:2], "amount": [1, 2]})
    with pytest.raises(data.DataError, match="timezone = 'Mars/Olympus': not a time zone"):
        data.Reading(timezone="Mars/Olympus")


def test_a_count_only_log_reads_without_amounts():
    tx = data.load({"customer_id": CLEAN["customer_id"], "date": CLEAN["date"]})
    assert not tx.has_amounts and np.isnan(tx.amount).all()
    np.testing.assert_array_equal(tx.day, data.load(CLEAN).day)
    assert data.load(CLEAN).has_amounts


@pytest.fixture(scope="module")
def twin_logs(tmp_path_factory):
    """A shop log and its messy twin: semicolons, other column names, `€` amounts with decimal
    commas, offset timestamps at noon, and a refund row (netted, it takes 1 off a purchase)."""
    folder = tmp_path_factory.mktemp("twins")
    clean = shop_log(folder / "clean.csv", gamma_amount)
    with clean.open() as handle:
        rows = list(csv.reader(handle))[1:]
    rows[1][2] = f"{float(rows[1][2]) - 1:.2f}"          # what the refund below leaves of that purchase
    write(clean, ["customer_id", "date", "amount"], rows)
    messy = [[c, f"{d}T12:00:00+08:00", f"{float(a):,.2f} €".replace(",", " ").replace(".", ",")]
             for c, d, a in rows]
    messy[1][2] = f"{float(rows[1][2]) + 1:.2f} €".replace(".", ",")
    messy.insert(2, [rows[1][0], f"{rows[1][1]}T18:00:00+08:00", "-1,00 €"])
    return clean, write(folder / "messy.csv", ["email", "created_at", "total"], messy, ";")


def test_the_command_calibrates_a_messy_log_as_its_clean_twin(twin_logs, tmp_path):
    clean, messy = twin_logs
    status, _, err = run_command(clean, "--calibration-end", END, "--out", tmp_path / "clean.yaml")
    assert status == 0, err
    status, out, err = run_command(messy, "--calibration-end", END, "--out", tmp_path / "messy.yaml",
                                   "--columns", "customer=email,date=created_at,amount=total",
                                   "--refunds", "net", "--timezone", "Asia/Shanghai")
    assert status == 0, err
    assert "refunds: 1 row(s), 1.00 in all, net" in out
    text = (tmp_path / "messy.yaml").read_text()
    assert "# Refunds: 1 row(s), 1.00 in all, netted (--refunds)." in text
    assert yaml.safe_load(text)["population"] == yaml.safe_load((tmp_path / "clean.yaml").read_text())["population"]


def test_the_command_on_a_count_only_log_fits_purchases_and_churn_and_leaves_spend_to_the_user(twin_logs,
                                                                                             tmp_path):
    clean, _ = twin_logs
    with clean.open() as handle:
        rows = [row[:2] for row in csv.reader(handle)][1:]
    counts = write(tmp_path / "counts.csv", ["customer_id", "date"], rows)
    status, _, err = run_command(counts, "--calibration-end", END, "--out", tmp_path / "counts.yaml")
    assert status == 0, err
    assert "the data has no amount column, so spend is not fitted" in err
    assert "set population.spend to your spend per purchase" in err
    status, _, err = run_command(clean, "--calibration-end", END, "--out", tmp_path / "clean.yaml")
    counted = yaml.safe_load((tmp_path / "counts.yaml").read_text())["population"]
    priced = yaml.safe_load((tmp_path / "clean.yaml").read_text())["population"]
    assert counted["spend"] == {"dist": "constant", "value": 1.0}
    for trait in ("daily_purchase_prob", "churn_prob"):
        assert counted[trait] == priced[trait]
    assert "population.spend is 1 per purchase, set it to your own" in (tmp_path / "counts.yaml").read_text()


@pytest.mark.parametrize("arguments, message", [
    (["--columns", "customer"], "--columns 'customer': write standard=yours pairs"),
    (["--timezone", "Nowhere/Land"], "timezone = 'Nowhere/Land': not a time zone"),
    (["--refunds", "keep"], "argument --refunds: invalid choice: 'keep'"),
])
def test_bad_reading_options_are_one_error_line(arguments, message, twin_logs, tmp_path):
    status, out, err = run_command(twin_logs[0], "--calibration-end", END, "--out", tmp_path / "x.yaml", *arguments)
    assert status == 2 and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "x.yaml").exists()

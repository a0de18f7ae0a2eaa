"""Micro-benchmark of the column normalisers: rows per second on 1,000,000 generated messy values each.

Run by hand: ``.venv/bin/python bench/normalise.py [rows]``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from procrisk.ingest.normalise import normalise_column
from procrisk.ingest.normalise.cpv import normalise_classification
from procrisk.ingest.normalise.lists import split_names
from procrisk.ingest.normalise.names import name_key
from procrisk.schema.columns import CONTRACTS, SUPPLIERS


def _pick(rng: np.random.Generator, pool: list[str], n: int) -> pd.Series:
    """n values drawn from a pool, as a pandas string column."""
    return pd.Series(np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)], dtype="str")


def _columns(n: int) -> dict[str, tuple[pd.Series, Callable[[pd.Series], object]]]:
    """Generated columns and the call that normalises each."""
    rng = np.random.default_rng(7)
    amounts = rng.uniform(0, 2_000_000, n)
    plain = pd.Series(np.char.mod("%.2f", amounts), dtype="str")
    whole = np.floor(amounts).astype(np.int64)
    french = pd.Series(
        np.char.add(
            np.char.add("€ ", np.char.mod("%d", whole // 1000)),
            np.char.add(np.char.mod(" %03d", whole % 1000), ",50"),
        ),
        dtype="str",
    )
    days = np.datetime64("2015-01-01") + rng.integers(0, 4000, n).astype("timedelta64[D]")
    iso = pd.Series(np.datetime_as_string(days), dtype="str")
    dmy = pd.Series(pd.DatetimeIndex(days).strftime("%d/%m/%Y"), dtype="str")
    stamps = pd.Series(np.char.add(np.datetime_as_string(days), "T10:00:00Z"), dtype="str")
    countries = _pick(
        rng,
        [
            "United Kingdom ",
            "  PARAGUAY",
            "México",
            "France",
            "GB",
            "Burma",
            "USA",
            "Deutschland",
            "Côte d'Ivoire",
            "Atlantis",
            "n/a",
        ],
        n,
    )
    currencies = _pick(rng, ["usd", " eur ", "€", "$", "GBP", "MNX", "MXN"], n)
    cpv = _pick(
        rng,
        [
            "03000000-1",
            "3000000",
            "45000000-7",
            "45000000 - 7",
            "72000000-5 IT services",
            "03000000-7",
            "12345678",
        ],
        n,
    )
    methods = _pick(
        rng,
        [
            "Open",
            "open tender",
            "RFQ",
            "Direct award",
            "sole source",
            "Procédure restreinte",
            "Adjudicación Directa",
            "weird",
        ],
        n,
    )
    answers = _pick(rng, ["Yes", "no", "partly", "Oui", "ja", "", "maybe"], n)
    shares = _pick(rng, ["35 %", "35%", "12", "0.5", "100", "n/a"], n)
    names = pd.Series(
        np.char.add(
            _pick(rng, ["Acme ", "Beta ", "Gamma ", "Delta "], n).to_numpy(dtype=str),
            np.char.add(
                np.char.mod("%d", rng.integers(0, 10_000, n)),
                _pick(rng, [" Ltd", " Limited", " GmbH", " S.A. de C.V.", " Inc.", ", LLC"][:5], n).to_numpy(
                    dtype=str
                ),
            ),
        ),
        dtype="str",
    )
    titles = pd.Series(np.char.add("  Cleaning  services lot ", np.char.mod("%d", np.arange(n))), dtype="str")
    return {
        "float (plain)": (plain, lambda s: normalise_column(s, CONTRACTS["award_value"])),
        "float (€ 12 000,50)": (french, lambda s: normalise_column(s, CONTRACTS["award_value"])),
        "int": (
            pd.Series(np.char.mod("%d", rng.integers(0, 40, n)), dtype="str"),
            lambda s: normalise_column(s, CONTRACTS["number_of_tenderers"]),
        ),
        "share": (shares, lambda s: normalise_column(s, CONTRACTS["subcontracting_share"])),
        "date (ISO)": (iso, lambda s: normalise_column(s, CONTRACTS["award_date"])),
        "date (DD/MM/YYYY)": (dmy, lambda s: normalise_column(s, CONTRACTS["award_date"])),
        "date (ISO date-time)": (stamps, lambda s: normalise_column(s, CONTRACTS["award_date"])),
        "country": (countries, lambda s: normalise_column(s, CONTRACTS["supplier_country"])),
        "currency": (currencies, lambda s: normalise_column(s, CONTRACTS["currency"])),
        "classification (CPV)": (cpv, lambda s: normalise_classification(s, None)),
        "enum (procurement_method)": (
            methods,
            lambda s: normalise_column(s, CONTRACTS["procurement_method"]),
        ),
        "answer": (answers, lambda s: normalise_column(s, SUPPLIERS["thb_conviction"])),
        "text (padded, unique)": (titles, lambda s: normalise_column(s, CONTRACTS["title"])),
        "name_key (200k names)": (names, name_key),
        "split_names (200k names)": (names, split_names),
    }


def main() -> None:
    """Print rows per second for each normaliser."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(f"{n:,} rows per column")
    for label, (values, call) in _columns(n).items():
        start = time.perf_counter()
        call(values)
        seconds = time.perf_counter() - start
        print(f"{label:28} {seconds * 1000:8.0f} ms  {n / seconds:14,.0f} rows/s")


if __name__ == "__main__":
    main()

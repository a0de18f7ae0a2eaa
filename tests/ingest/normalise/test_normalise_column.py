"""The dispatcher: every canonical column gets the right output type and only registered problem codes."""

from __future__ import annotations

import pandas as pd
import pytest

from procrisk.ingest.normalise import normalise_column
from procrisk.ingest.normalise.problems import PROBLEMS, describe
from procrisk.ingest.normalise.result import Normalised
from procrisk.schema.columns import CONTRACTS, TABLES

_DTYPES = {
    "text": "string",
    "code": "string",
    "enum": "string",
    "answer": "string",
    "country": "string",
    "currency": "string",
    "int": "Int64",
    "float": "Float64",
    "share": "Float64",
    "bool": "boolean",
    "date": "datetime64[s]",
    "list": "object",
}
_MESSY = [
    "  12 000,50 ",
    "n/a",
    "yes",
    "2025-04-03",
    "UK",
    "€",
    "03000000-7",
    "Acme Ltd; Beta GmbH",
    "???",
    None,
]


@pytest.mark.parametrize("column", [c for t in TABLES.values() for c in t.columns], ids=lambda c: c.name)
def test_every_column_normalises_to_its_type(column: object) -> None:
    values = pd.Series(_MESSY, index=range(100, 100 + len(_MESSY)), dtype="string")
    result = normalise_column(values, column)
    assert isinstance(result, Normalised)
    assert str(result.values.dtype) == _DTYPES[column.kind]
    assert result.values.index.equals(values.index)
    assert result.problems.index.equals(values.index)
    assert result.problems.dtype == object
    assert set(result.problems.dropna()) <= set(PROBLEMS)
    assert result.values.iloc[-1] is None or pd.isna(result.values.iloc[-1])
    for extra in result.extra.values():
        assert extra.index.equals(values.index)


def test_classification_code_infers_the_scheme() -> None:
    result = normalise_column(pd.Series(["03000000-7"], dtype="string"), CONTRACTS["classification_code"])
    assert result.values.tolist() == ["03000000-1"]
    assert result.problems.tolist() == ["cpv.check_digit"]
    assert result.extra["scheme"].tolist() == ["CPV"]
    assert result.extra["cpv_division"].tolist() == ["03"]


def test_classification_scheme_alone_is_canonicalised() -> None:
    result = normalise_column(
        pd.Series(["cpv", "unspsc", "CUCoP", "DNCP catalogue"], dtype="string"),
        CONTRACTS["classification_scheme"],
    )
    assert result.values.tolist() == ["CPV", "UNSPSC", "CUCoP", "DNCP catalogue"]


def test_amount_currency_hint_is_returned() -> None:
    result = normalise_column(pd.Series(["€ 12 000,50", "1,5"], dtype="string"), CONTRACTS["award_value"])
    assert result.values.tolist() == [12000.5, 1.5]
    assert result.extra["currency_hint"].tolist()[0] == "EUR"


def test_problem_texts_are_complete() -> None:
    for code, problem in PROBLEMS.items():
        assert problem.severity in ("error", "warning"), code
        assert problem.problem and problem.fix, code
        assert describe(code) == problem

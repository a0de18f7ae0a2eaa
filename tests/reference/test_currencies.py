"""The packaged ISO 4217 codelist (OCDS 1.1.5)."""

from __future__ import annotations

from procrisk.reference import currencies


def test_codes_titles_and_history() -> None:
    assert currencies.is_code("EUR") and currencies.is_current("EUR")
    assert currencies.is_code("ADP") and not currencies.is_current("ADP")  # Andorran peseta, withdrawn
    assert not currencies.is_code("MNX")
    assert currencies.currency_title(" usd ") == "US Dollar"
    assert currencies.title_index()["mexican peso"] == "MXN"

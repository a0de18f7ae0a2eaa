"""The docs cannot drift from the code: generated pages are current and every setting is documented."""

from __future__ import annotations

from helpers import ROOT
from procrisk.config import SETTINGS
from procrisk.schema.docs import render_data_model


def test_data_model_doc_is_generated_from_the_schema() -> None:
    current = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert current == render_data_model(), "run: python -m procrisk.schema.docs > docs/data-model.md"


def test_every_program_setting_is_documented() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in text, f"docs/settings.md does not document {setting.name}"

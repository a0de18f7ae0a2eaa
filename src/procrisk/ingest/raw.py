"""The shape every reader returns: a table of text cells with the row numbers a user sees in the source."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class RawTable:
    """Cells as text (missing as NA), headers as found, and where each row sits in the source file.

    ``frame`` has one column per input header (headers made unique by suffixing `` (2)``, `` (3)``), each of
    pandas string dtype; an empty or whitespace-only cell is missing (NA), never "". ``row_numbers`` holds, for each row
    of ``frame``, the row number as the source shows it: the Excel row (1-based, title and header rows
    counted) or the CSV physical line number, or the OCDS release/record index (1-based). Wholly blank rows
    are dropped by readers and counted in ``blank_rows``.
    """

    frame: pd.DataFrame
    row_numbers: np.ndarray
    source_file: str
    sheet: str = ""
    header_row: int = 1
    blank_rows: int = 0
    table: str | None = None  # "contracts" / "suppliers" when the reader knows (OCDS); None for spreadsheets
    notes: list[str] = field(default_factory=list)  # what the reader decided (encoding, delimiter, header row)

    def __post_init__(self) -> None:
        """Check the row numbers line up with the frame (a programming error otherwise)."""
        if len(self.row_numbers) != len(self.frame):
            msg = f"{len(self.row_numbers)} row numbers for {len(self.frame)} rows"
            raise ValueError(msg)

    @property
    def headers(self) -> list[str]:
        """Input headers in file order."""
        return [str(c) for c in self.frame.columns]

    def __len__(self) -> int:
        """Number of data rows read (blank rows excluded)."""
        return len(self.frame)

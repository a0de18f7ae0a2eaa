"""What the dashboard server does once at start: load the modules the first page needs, before any session.

``streamlit run app.py`` finds the ``st.App`` that app.py defines when it is imported as a module and serves it;
its lifespan calls ``preload``, so the first session after the server starts does not wait for numpy, pyarrow,
pandas and the scoring package to import (over a second of CPU). Nothing is read from the workspace here.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

FIRST_PAGE = ("numpy", "pyarrow", "pyarrow.parquet", "pandas", "procrisk.scoring.summaries",
              "procrisk.dashboard.data", "procrisk.dashboard.filters", "procrisk.dashboard.components")


def preload() -> None:
    """Import the modules the Overview uses (procrisk.api, the models and the reports still load on demand).

    Then map the loaded modules to their files once: the first element a Streamlit process sends calls
    ``inspect.stack()`` (to tell a REPL from ``streamlit run``), which would otherwise do it in the first session.
    """
    for name in FIRST_PAGE:
        importlib.import_module(name)
    inspect.stack(0)


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """The st.App lifespan: preload at start, nothing to release at shutdown."""
    preload()
    yield

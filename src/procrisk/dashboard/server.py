"""What the dashboard server does once at start: load what the first page needs, before any session.

``streamlit run app.py`` finds the ``st.App`` that app.py defines when it is imported as a module and serves it;
its lifespan calls ``preload`` (numpy, pyarrow, pandas and the scoring package: over a second of CPU) and
``load_latest_run`` (the contracts any filter but the band needs: about 2 s for a million), so neither happens
during the first session, nor competes with a browser drawing it. The server answers its health check after.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

LOAD_TIMEOUT = 60.0  # seconds the server start waits for the latest run's contracts (the rest loads in background)
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


def apply_settings() -> None:
    """Apply the settings that tune the server process (huge pages) before it loads anything; a bad setting is
    left for the pages, which show it."""
    from procrisk.config import apply_process_settings, load_config
    from procrisk.errors import ConfigError

    with suppress(ConfigError):
        apply_process_settings(load_config())


def load_latest_run() -> None:
    """Read the contracts of the configured workspace's latest run into the dashboard's cache, if it has one.

    Problems (no workspace, a bad setting, an unreadable run) are left for the pages, which show them.
    """
    from procrisk.config import load_config
    from procrisk.dashboard import data

    try:
        workspace = str(load_config().workspace_path)
        run = data.latest_run(workspace)
        if run is not None:
            data.warm(workspace, run, now=True).exception(timeout=LOAD_TIMEOUT)
    except Exception:  # noqa: S110 - the first page that reads the run reports the problem
        pass


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """The st.App lifespan: apply the process settings, preload and read the latest run at start, nothing to
    release at shutdown."""
    apply_settings()
    preload()
    load_latest_run()
    yield

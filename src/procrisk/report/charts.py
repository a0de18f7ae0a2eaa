"""Report charts as PNG images (matplotlib, no pyplot state): contracts by band, most frequent flags, scores."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BAND_COLOURS = {"critical": "#C00000", "high": "#ED7D31", "medium": "#FFC000", "low": "#70AD47"}
INK = "#1F3864"
DPI = 150


def _figure(width: float, height: float) -> Figure:
    """A figure drawn by the Agg renderer (no GUI, no global pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    """The figure as PNG bytes without a software or date stamp (the same data gives the same bytes)."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def bands_chart(bands: pd.DataFrame, width: float = 3.4, height: float = 2.6) -> bytes:
    """Contracts per band, critical to low, coloured by band."""
    fig = _figure(width, height)
    ax = fig.add_subplot()
    names = list(bands["band"])
    counts = bands["contracts"].to_numpy(dtype=float)
    bars = ax.bar(names, counts, color=[BAND_COLOURS.get(b, INK) for b in names])
    ax.bar_label(bars, labels=[f"{int(c):,}" for c in counts], fontsize=7)
    ax.set_title("Contracts by band", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(y=0.15)
    return _png(fig)


def rules_chart(top_rules: pd.DataFrame, width: float = 3.6, height: float = 2.6) -> bytes:
    """The most frequent flags: contracts flagged per rule, most first from the top."""
    fig = _figure(width, height)
    ax = fig.add_subplot()
    if top_rules.empty:
        ax.text(0.5, 0.5, "no rule flagged", ha="center", va="center", fontsize=8)
        ax.set_axis_off()
        return _png(fig)
    frame = top_rules.iloc[::-1]
    bars = ax.barh(list(frame["rule_code"]), frame["contracts"].to_numpy(dtype=float), color=INK)
    ax.bar_label(bars, labels=[f"{int(c):,}" for c in frame["contracts"]], fontsize=6, padding=2)
    ax.set_title("Most frequent flags (contracts)", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(x=0.15)
    return _png(fig)


def scores_chart(contracts: pd.DataFrame, cuts: tuple[float, float, float] = (20.0, 40.0, 60.0),
                 width: float = 7.0, height: float = 2.2) -> bytes:
    """Distribution of contract scores in 5-point bins with the band cut-offs marked."""
    fig = _figure(width, height)
    ax = fig.add_subplot()
    scores = pd.to_numeric(contracts["score"], errors="coerce").dropna().to_numpy(dtype=float)
    counts, edges = np.histogram(scores, bins=np.arange(0, 105, 5))
    ax.bar(edges[:-1], counts, width=5, align="edge", color=INK, edgecolor="white")
    for cut, band in zip(cuts, ("medium", "high", "critical"), strict=True):
        ax.axvline(cut, color=BAND_COLOURS[band], linestyle="--", linewidth=1)
        ax.text(cut + 0.5, ax.get_ylim()[1] * 0.92, band, color=BAND_COLOURS[band], fontsize=7,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_xlim(0, 100)
    ax.set_xlabel("contract score", fontsize=7)
    ax.set_ylabel("contracts", fontsize=7)
    ax.set_title("Score distribution (contracts in scope)", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)

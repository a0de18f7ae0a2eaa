"""Hyndman–Fan type-8 quantiles and Tukey fences computed exactly as OCP Cardinal does (statrs 0.16, fma).

See /work/shared/docs/cardinal-indicators.md §3.4. Dataset-relative checks (R024, R058 and the generic
``iqr_outlier`` peer check) import these helpers so that their fences match Cardinal bit for bit.
"""

from __future__ import annotations

import math
import struct
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np

_EPSILON = sys.float_info.epsilon
_MAX_ULPS = 4  # approx::ulps_eq! default, used by statrs for "p is 1"


def _ulps_apart(a: float, b: float) -> int:
    """Distance between two finite doubles in units in the last place (same sign assumed)."""
    ia = struct.unpack("<q", struct.pack("<d", a))[0]
    ib = struct.unpack("<q", struct.pack("<d", b))[0]
    return abs(ia - ib)


def _is_one(p: float) -> bool:
    """Whether ``p`` equals 1 as approx's ``ulps_eq!`` sees it (absolute epsilon, then 4 ulps)."""
    if abs(p - 1.0) <= _EPSILON:
        return True
    return p > 0 and _ulps_apart(p, 1.0) <= _MAX_ULPS


def quantile_type8_sorted(values: np.ndarray, p: float) -> float:
    """Type-8 (median-unbiased) quantile of values already sorted ascending, as statrs 0.16 computes it."""
    n = len(values)
    if n == 0 or p < 0.0 or p > 1.0:
        return math.nan
    h = (float(n) + 1.0 / 3.0) * p + 1.0 / 3.0
    k = int(h) if math.isfinite(h) else 0  # Rust `as i64` truncates toward zero; NaN becomes 0
    if k <= 0 or p == 0.0:
        return float(values[0])
    if k >= n or _is_one(p):
        return float(values[-1])
    lower = float(values[k - 1])
    upper = float(values[k])
    return lower + (h - float(k)) * (upper - lower)


def quantile_type8(values: Iterable[float] | np.ndarray, p: float) -> float:
    """Type-8 (median-unbiased) quantile of ``values`` (no NaN allowed), as statrs 0.16 computes it."""
    arr = np.sort(np.asarray(values, dtype=np.float64))
    if np.isnan(arr).any():
        msg = "quantile_type8: values contain NaN; drop them first"
        raise ValueError(msg)
    return quantile_type8_sorted(arr, p)


def fma(x: float, y: float, z: float) -> float:
    """``x * y + z`` rounded once, like Rust's ``mul_add`` (math.fma on Python 3.13+, exact Fractions before)."""
    native = getattr(math, "fma", None)
    if native is not None:
        return native(x, y, z)
    if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(z)):
        return x * y + z
    return float(Fraction(x) * Fraction(y) + Fraction(z))


def lower_fence(q1: float, q3: float) -> float:
    """Tukey lower fence ``fma(Q3 - Q1, -1.5, Q1)``."""
    return fma(q3 - q1, -1.5, q1)


def upper_fence(q1: float, q3: float) -> float:
    """Tukey upper fence ``fma(Q3 - Q1, 1.5, Q3)``."""
    return fma(q3 - q1, 1.5, q3)


@dataclass(frozen=True)
class Fences:
    """Quartiles and Tukey fences of one set of values, with the number of values they come from."""

    n: int
    q1: float
    q3: float
    lower_fence: float
    upper_fence: float

    def as_meta(self) -> dict[str, float | int | None]:
        """The fences as a JSON-friendly dict (NaN becomes None, as Cardinal writes null)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def tukey_fences(values: Iterable[float] | np.ndarray) -> Fences:
    """Type-8 Q1 and Q3 of ``values`` and the fma Tukey fences (all NaN when there are no values)."""
    arr = np.sort(np.asarray(values, dtype=np.float64))
    if np.isnan(arr).any():
        msg = "tukey_fences: values contain NaN; drop them first"
        raise ValueError(msg)
    q1 = quantile_type8_sorted(arr, 0.25)
    q3 = quantile_type8_sorted(arr, 0.75)
    if len(arr) == 0:
        return Fences(0, math.nan, math.nan, math.nan, math.nan)
    return Fences(len(arr), q1, q3, lower_fence(q1, q3), upper_fence(q1, q3))

"""PeerPriceScorer: each award compared with comparable awards (same CPV group, country, year and currency)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from procrisk.ml.peers import MAD_TO_SD, GroupStats, group_stats, leave_one_out_median
from procrisk.reference import cpv

# Input columns (see peer_frame in procrisk.ml.enrich) and output columns (schema ML_CONTRACTS).
INPUT_COLUMNS = ("award_value", "estimated_value", "currency", "country", "year", "cpv_division", "cpv_group",
                 "category_inferred")
OUTPUT_COLUMNS = ("price_peer_ratio", "price_peer_median", "price_peer_count", "price_peer_group",
                  "price_anomaly_score", "price_estimate_ratio")
LEVELS = ("group", "division", "all")
_LEVEL_COLUMN = {"group": "cpv_group", "division": "cpv_division", "all": None}


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    """A text column as nullable strings ("" never counts as a value)."""
    if name not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    values = frame[name].astype("string").str.strip()
    return values.where(values.str.len() > 0)


def _number(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column as float64 (NaN where missing)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _label(level: str, code: str) -> str:
    """'cleaning services (CPV group 909)' style label of a group or division code."""
    if level == "group":
        name = cpv.group_label(code + "00000")
        return f"{(name or 'group').lower()} (CPV group {code})"
    name = cpv.division_label(code)
    return f"{(name or 'division').lower()} (CPV division {code})"


class PeerPriceScorer(TransformerMixin, BaseEstimator):
    """Score how far below comparable awards each award is, on log values with robust statistics.

    Peers share the currency, the country and (with ``by_year``) the year of the award (an unknown country or
    year is a value of its own; an unknown currency leaves the row out), and the CPV group; a
    row whose group has fewer than ``min_peers`` other awards falls back to its CPV division, then to all
    awards of that country, currency and year. Rows whose category was inferred are compared with peers but
    never serve as peers at the group and division levels. ``fit_transform`` compares each award with the
    *other* awards of its group (leave-one-out median); ``transform`` on new rows compares them with all
    fitted awards.

    Output columns: ``price_peer_ratio`` (award / peer median), ``price_peer_median``, ``price_peer_count``,
    ``price_peer_group`` (a description such as "cleaning services (CPV group 909), GB, 2024, GBP"),
    ``price_anomaly_score`` ((median log peer - log award) / (1.4826 MAD of the log peers), higher = lower
    price; the MAD is floored at ``min_spread``) and ``price_estimate_ratio`` (award / estimated value).

    Parameters
    ----------
    min_peers : int, default=5
        Fewest other awards a peer group needs; otherwise the next coarser level is used.
    levels : tuple of str, default=("group", "division", "all")
        Peer levels, finest first.
    by_year : bool, default=True
        Peers must be awarded in the same year.
    min_spread : float, default=0.1
        Floor of the robust standard deviation of log values used by the anomaly score.

    Attributes
    ----------
    stats_ : dict
        Level to fitted GroupStats (sizes, medians and MADs of log award values per peer group).
    n_valid_ : int
        Awards with a positive value seen in fit.
    level_counts_ : dict
        After fit_transform: rows compared at each level ('none' for rows without a peer group).

    Examples
    --------
    >>> import pandas as pd
    >>> from procrisk.ml import PeerPriceScorer
    >>> rows = pd.DataFrame({"award_value": [100, 110, 95, 105, 98, 102, 40], "currency": "GBP",
    ...                      "country": "GB", "year": 2024, "cpv_division": "90", "cpv_group": "909"})
    >>> out = PeerPriceScorer(min_peers=5).fit_transform(rows)
    >>> round(float(out["price_peer_ratio"].iloc[-1]), 2), int(out["price_peer_count"].iloc[-1])
    (0.4, 6)
    """

    def __init__(self, *, min_peers: int = 5, levels: tuple[str, ...] = LEVELS, by_year: bool = True,
                 min_spread: float = 0.1) -> None:
        """Store the parameters unchanged (validated in fit)."""
        self.min_peers = min_peers
        self.levels = levels
        self.by_year = by_year
        self.min_spread = min_spread

    def _validate(self) -> None:
        """Check the parameters."""
        if int(self.min_peers) < 1:
            msg = f"min_peers must be >= 1, got {self.min_peers!r}"
            raise ValueError(msg)
        unknown = [x for x in self.levels if x not in LEVELS]
        if unknown or not self.levels:
            msg = f"levels must be a non-empty subset of {LEVELS}, got {self.levels!r}"
            raise ValueError(msg)

    def _keys(self, X: pd.DataFrame, level: str) -> pd.Series:  # noqa: N803
        """The peer-group key of each row at one level, 'currency|country|year|code' (null: no such group).

        The text of a key is built once per distinct combination, so a million rows cost a few factorisations.
        """
        parts = [_text(X, "currency"), _text(X, "country").fillna("?")]
        if self.by_year:
            parts.append(_text(X, "year").fillna("?"))
        column = _LEVEL_COLUMN[level]
        if column is not None:
            parts.append(_text(X, column))
        combined = np.zeros(len(X), dtype=np.int64)
        missing = np.zeros(len(X), dtype=bool)
        for part in parts:
            codes, uniques = pd.factorize(part)
            missing |= codes < 0
            combined = combined * (len(uniques) + 1) + (codes + 1)
        distinct, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        del distinct
        texts = np.array(["|".join(str(part.iat[i]) for part in parts) for i in first], dtype=object)
        keys = pd.Series(texts[inverse] if len(first) else np.array([], dtype=object), index=X.index, dtype=object)
        return keys.where(~missing)

    def _peer_mask(self, X: pd.DataFrame, level: str, log_values: np.ndarray) -> np.ndarray:  # noqa: N803
        """Rows that may serve as peers at ``level``: a positive value, and an observed category below 'all'."""
        valid = np.isfinite(log_values)
        if level != "all" and "category_inferred" in X.columns:
            valid &= ~X["category_inferred"].fillna(value=False).to_numpy(dtype=bool)
        return valid

    def fit(self, X: pd.DataFrame, y: Any = None) -> PeerPriceScorer:  # noqa: N803
        """Learn the peer groups' statistics from the awards of X."""
        del y
        self._validate()
        return self._fit_keys(X, {level: self._keys(X, level) for level in self.levels})

    def _fit_keys(self, X: pd.DataFrame, keys: dict[str, pd.Series]) -> PeerPriceScorer:  # noqa: N803
        """Fit from precomputed peer-group keys."""
        log_values = self._log_awards(X)
        self.stats_: dict[str, GroupStats] = {}
        for level in self.levels:
            self.stats_[level] = group_stats(keys[level].where(self._peer_mask(X, level, log_values)), log_values)
        self.n_valid_ = int(np.isfinite(log_values).sum())
        return self

    @staticmethod
    def _log_awards(X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """log of positive award values, NaN otherwise."""
        award = _number(X, "award_value")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(award > 0, np.log(np.where(award > 0, award, 1.0)), np.nan)

    def fit_transform(self, X: pd.DataFrame, y: Any = None, **fit_params: Any) -> pd.DataFrame:  # noqa: N803
        """Fit, then compare each award with the other awards of its peer group (leave-one-out)."""
        del y, fit_params
        self._validate()
        keys = {level: self._keys(X, level) for level in self.levels}
        return self._fit_keys(X, keys)._score(X, members=True, keys=keys)

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Compare each award of X with all fitted awards of its peer group."""
        check_is_fitted(self, "stats_")
        return self._score(X, members=False)

    def _score(self, X: pd.DataFrame, *, members: bool,  # noqa: N803
               keys: dict[str, pd.Series] | None = None) -> pd.DataFrame:
        """The output columns for X (members: X is the fitted data, so each row is left out of its group)."""
        n = len(X)
        log_values = self._log_awards(X)
        median = np.full(n, np.nan)
        count = np.zeros(n, dtype=np.int64)
        spread = np.full(n, np.nan)
        chosen = np.full(n, "", dtype=object)
        keys_used = np.full(n, None, dtype=object)
        todo = np.isfinite(log_values)
        for level in self.levels:
            stats = self.stats_[level]
            if not len(stats.size):
                continue
            level_keys = keys[level] if keys is not None else self._keys(X, level)
            if members:
                group = stats.member_group.copy()
                is_member = group >= 0
            else:
                group = np.full(n, -1, dtype=np.int64)
                is_member = np.zeros(n, dtype=bool)
            outside = todo & ~is_member & level_keys.notna().to_numpy()
            if outside.any():
                group[outside] = stats.positions(level_keys[outside])
            peers = np.where(group >= 0, stats.size[np.maximum(group, 0)] - is_member, 0)
            take = todo & (group >= 0) & (peers >= int(self.min_peers))
            if not take.any():
                continue
            inside = take & is_member
            if inside.any():
                median[inside] = leave_one_out_median(stats, group[inside], stats.member_rank[inside])
            plain = take & ~is_member
            median[plain] = stats.median[group[plain]]
            count[take] = peers[take]
            spread[take] = stats.mad[group[take]] * MAD_TO_SD
            chosen[take] = level
            keys_used[take] = level_keys[take].to_numpy(dtype=object)
            todo &= ~take
        return self._columns(X, log_values, median, count, spread, chosen, keys_used)

    def _columns(self, X: pd.DataFrame, log_values: np.ndarray, median: np.ndarray, count: np.ndarray,  # noqa: N803
                 spread: np.ndarray, chosen: np.ndarray, keys_used: np.ndarray) -> pd.DataFrame:
        """Assemble the output frame."""
        has = chosen != ""
        award = np.where(np.isfinite(log_values), _number(X, "award_value"), np.nan)
        peer_median = np.exp(median)
        estimate = _number(X, "estimated_value")
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate_ratio = np.where((estimate > 0) & np.isfinite(log_values), award / estimate, np.nan)
            score = (median - log_values) / np.maximum(spread, float(self.min_spread))
        inferred = (X["category_inferred"].fillna(value=False).to_numpy(dtype=bool)
                    if "category_inferred" in X.columns else np.zeros(len(X), dtype=bool))
        descriptions = self._describe(chosen, keys_used, inferred)
        self.level_counts_ = {level: int((chosen == level).sum()) for level in self.levels}
        self.level_counts_["none"] = int((~has & np.isfinite(log_values)).sum())
        return pd.DataFrame({
            "price_peer_ratio": np.where(has, award / peer_median, np.nan),
            "price_peer_median": np.where(has, peer_median, np.nan),
            "price_peer_count": pd.array(np.where(has, count, 0), dtype="Int64").astype("Int64"),
            "price_peer_group": pd.array(list(descriptions), dtype="string"),
            "price_anomaly_score": np.where(has, score, np.nan),
            "price_estimate_ratio": estimate_ratio,
        }, index=X.index).assign(price_peer_count=lambda f: f["price_peer_count"].where(pd.Series(has, f.index)))

    def __sklearn_tags__(self) -> Any:
        """DataFrame input with named columns (INPUT_COLUMNS), not a numeric array; no y."""
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags

    def _describe(self, chosen: np.ndarray, keys_used: np.ndarray, inferred: np.ndarray) -> np.ndarray:
        """A readable description per row of the peer group used (built once per distinct group)."""
        frame = pd.DataFrame({"level": chosen, "key": keys_used, "inferred": inferred})
        codes = frame.groupby(["level", "key", "inferred"], sort=False, dropna=False).ngroup().to_numpy()
        firsts = frame.drop_duplicates().itertuples(index=False)
        texts = np.array([self._description(level, key, guess) for level, key, guess in firsts], dtype=object)
        return texts[codes] if len(texts) else np.array([], dtype=object)

    def _description(self, level: str, key: str | None, inferred: bool) -> str | None:
        """'cleaning and sanitation services (CPV group 909), GB, 2024, GBP' for one peer group."""
        if not level or not isinstance(key, str):
            return None
        parts = key.split("|")
        currency = parts[0]
        country = "country unknown" if parts[1] == "?" else parts[1]
        year = ("year unknown" if parts[2] == "?" else parts[2]) if self.by_year else ""
        what = _label(level, parts[-1]) if level != "all" else "all purchases"
        place = ", ".join(p for p in (country, year, currency) if p)
        return f"{what}, {place}" + (" (this contract's category is inferred)" if inferred else "")

"""SupplierResolver: one stable supplier_key for every spelling and registration id of one supplier."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from procrisk.memory import collector_paused
from procrisk.ml.clustering import ConstrainedUnion
from procrisk.ml.identifiers import is_qualified, row_ids
from procrisk.ml.matching import candidate_pairs, compatible, pair_cosines
from procrisk.ml.normalise import name_key
from procrisk.ml.overrides import Overrides, as_overrides
from procrisk.schema.columns import SUPPLIERS

NAME = SUPPLIERS["supplier_name"].name
REG_IDS = SUPPLIERS["registration_ids"].name
SUPPLIER_ID = SUPPLIERS["supplier_id"].name
COUNTRY = SUPPLIERS["supplier_country"].name
SOURCE = SUPPLIERS["source"].name

Record = tuple[str, tuple[str, ...], str]  # (name key, sorted ids, country or "")


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as a list of Python values (None for missing), or all None when absent."""
    if name not in frame.columns:
        return [None] * len(frame)
    column = frame[name]
    return column.astype(object).where(column.notna(), None).tolist()


def records_of(X: Any) -> list[Record]:  # noqa: N803
    """The record of each input row: a DataFrame with supplier columns, or a 1-D sequence of names.

    Rows are normalised once per distinct (name, ids, country, source), so long tables with few suppliers
    stay fast.
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame({NAME: np.asarray(X, dtype=object).ravel()})
    if NAME not in frame.columns:
        msg = f"SupplierResolver needs a '{NAME}' column (or a 1-D sequence of names)"
        raise ValueError(msg)
    columns = [c for c in (NAME, SUPPLIER_ID, COUNTRY, SOURCE) if c in frame.columns]
    has_lists = REG_IDS in frame.columns and frame[REG_IDS].notna().any()
    if has_lists:
        parts = frame[columns].astype(object)
        parts[REG_IDS] = pd.Series([tuple(str(x) for x in v) if isinstance(v, list | tuple | np.ndarray) else v
                                    for v in _column(frame, REG_IDS)], index=frame.index, dtype=object)
    else:
        parts = frame[columns]
    parts = parts.astype(object).reset_index(drop=True)
    codes = parts.groupby(list(parts.columns), dropna=False, sort=False).ngroup().to_numpy()
    distinct = parts.loc[~parts.duplicated()].reset_index(drop=True)
    names = _column(distinct, NAME)
    keys = {n: name_key(str(n)) for n in set(names) if n is not None}
    keys[None] = ""
    countries = [str(c).upper() if c else "" for c in _column(distinct, COUNTRY)]
    reg, sid, source = (_column(distinct, c) for c in (REG_IDS, SUPPLIER_ID, SOURCE))
    records = [(keys[n], row_ids(r, s, src), c) for n, r, s, src, c in zip(names, reg, sid, source, countries,
                                                                            strict=True)]
    return [records[c] for c in codes.tolist()]


def _digest(text: str) -> str:
    """Twelve hex digits of the SHA-256 of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def stable_key(name_keys: Sequence[str], ids: Sequence[str], countries: Sequence[str] = ()) -> str | None:
    """A cluster's key from its content: its smallest scheme-qualified id, else smallest scoped id, else a
    hash of its smallest name key and its countries (None when the cluster has neither a name nor an id)."""
    qualified = sorted(i for i in ids if is_qualified(i))
    if qualified:
        return qualified[0]
    if ids:
        return min(ids)
    names = [n for n in name_keys if n]
    if not names:
        return None
    where = ",".join(sorted({c for c in countries if c}))
    return "N-" + _digest(min(names) + ("|" + where if where else ""))


def _own_key(record: Record, *, use_country: bool) -> str | None:
    """The key of a cluster of one record (``stable_key`` of its content; its ids are sorted already)."""
    name, ids, country = record
    for ident in ids:
        if is_qualified(ident):
            return ident
    if ids:
        return ids[0]
    return stable_key([name], (), [country] if use_country else [])


def _cluster_keys(records: list[Record], roots: list[int], *, use_country: bool) -> dict[int, str | None]:
    """The stable key of every cluster root; two clusters that would share a key get a content suffix."""
    root_of = np.asarray(roots, dtype=np.int64)
    sizes = np.bincount(root_of, minlength=len(roots))
    members: dict[int, list[int]] = defaultdict(list)
    together = np.flatnonzero(sizes[root_of] > 1)
    for i, root in zip(together.tolist(), root_of[together].tolist(), strict=True):
        members[root].append(i)
    # a root is its own member, so a root of a cluster of one is that record (most clusters of a big table)
    keys: dict[int, str | None] = {root: _own_key(records[root], use_country=use_country)
                                   for root in np.flatnonzero(sizes == 1).tolist()}
    for root, idx in members.items():
        keys[root] = stable_key([records[i][0] for i in idx], [x for i in idx for x in records[i][1]],
                                [records[i][2] for i in idx] if use_country else [])
    counts = Counter(keys.values())
    for root, key in keys.items():
        if key is not None and counts[key] > 1:
            idx = members.get(root) or [root]
            content = "|".join(sorted(repr(records[i]) for i in idx))
            keys[root] = f"{key}-{_digest(content)[:6]}"
    return keys


class SupplierResolver(TransformerMixin, BaseEstimator):
    """Resolve supplier rows to entities: registration ids first, then names, with stable keys.

    Rows sharing a registration id are one supplier. Names are reduced to keys (case, accents, scripts,
    punctuation and legal forms in many languages folded), equal keys are joined, and near keys are joined
    when they share a block, their character n-gram vectors have a cosine of at least ``threshold`` and they
    differ by typos only. Two rows never join when they carry different ids of one scheme, different
    countries (``use_country``) or a split decision. The key of a cluster is derived from its content
    (smallest registration id, else a hash of its smallest name key), so it does not change when unrelated
    rows are added.

    Parameters
    ----------
    threshold : float, default=0.5
        Minimum cosine similarity of character n-gram vectors for two different name keys to match (chosen
        on the labelled set in tests/fixtures/ml; see docs/ml.md).
    ngram_range : tuple of int, default=(2, 4)
        Character n-gram sizes (within word boundaries) of the name vectors.
    max_edits : int, default=2
        Most typos allowed between two matching name keys (at most one per word of four or more letters).
    use_country : bool, default=True
        Keep suppliers of different known countries apart.
    overrides : Overrides, mapping, path or None, default=None
        Confirm and split decisions (see ``procrisk.ml.load_overrides``); applied on every fit.

    Attributes
    ----------
    keys_ : dict
        Record (name key, ids, country) to supplier key, for every distinct record seen in fit.
    name_index_ : dict
        Name key to the supplier key of its first record.
    id_index_ : dict
        Registration id to supplier key.
    n_records_ : int
        Distinct records seen in fit.
    n_clusters_ : int
        Supplier keys found.
    stats_ : dict
        Blocks, candidate pairs, matched pairs, merges refused by constraints, overrides applied.

    See Also
    --------
    procrisk.ml.enrich_with_models : adds supplier_key to the contracts and suppliers tables.

    Examples
    --------
    >>> from procrisk.ml import SupplierResolver
    >>> names = ["ACME Ltd", "Acme Limited", "ACME LTD.", "Acme Ltd (UK)", "Acme Cleaning Ltd",
    ...          "Acme Catering Ltd"]
    >>> keys = SupplierResolver().fit_transform(names)
    >>> len(set(keys[:4])), keys[4] == keys[5]
    (1, False)
    """

    def __init__(self, *, threshold: float = 0.5, ngram_range: tuple[int, int] = (2, 4), max_edits: int = 2,
                 use_country: bool = True, overrides: Overrides | Mapping[str, Any] | str | None = None) -> None:
        """Store the parameters unchanged (validated in fit)."""
        self.threshold = threshold
        self.ngram_range = ngram_range
        self.max_edits = max_edits
        self.use_country = use_country
        self.overrides = overrides

    # ---- fit -------------------------------------------------------------------------------------------

    def _validate(self) -> Overrides:
        """Check the parameters and return the overrides."""
        if not 0.0 <= float(self.threshold) <= 1.0:
            msg = f"threshold must be between 0 and 1, got {self.threshold!r}"
            raise ValueError(msg)
        low, high = self.ngram_range
        if not 1 <= low <= high:
            msg = f"ngram_range must be (low, high) with 1 <= low <= high, got {self.ngram_range!r}"
            raise ValueError(msg)
        if int(self.max_edits) < 0:
            msg = f"max_edits must be >= 0, got {self.max_edits!r}"
            raise ValueError(msg)
        return as_overrides(self.overrides)

    def _name_edges(self, keys: list[str]) -> tuple[list[tuple[float, str, str]], dict[str, int]]:
        """Matching pairs of distinct name keys with their cosine (1.0 for the same letters), and counts."""
        by_letters: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            by_letters[key.replace(" ", "")].append(key)
        edges = [(1.0, group[0], other) for group in by_letters.values() for other in group[1:]]
        left, right, blocks = candidate_pairs(keys, int(self.max_edits))
        stats = {"blocks": blocks, "candidate_pairs": len(left)}
        budget = int(self.max_edits)
        ok = np.fromiter((compatible(keys[i], keys[j], budget) for i, j in zip(left.tolist(), right.tolist(),
                                                                                strict=True)),
                         dtype=bool, count=len(left))
        left, right = left[ok], right[ok]
        if len(left):
            involved, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
            vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.ngram_range), use_idf=False,
                                         sublinear_tf=True, dtype=np.float32, lowercase=False)
            vectors = vectorizer.fit_transform([keys[i] for i in involved]).tocsr()
            cosines = pair_cosines(vectors, inverse[: len(left)], inverse[len(left):])
            near = np.flatnonzero(cosines >= float(self.threshold) - 1e-6)
            edges.extend((float(cosines[k]), keys[left[k]], keys[right[k]]) for k in near)
        stats["matched_pairs"] = len(edges)
        return edges, stats

    def _override_edges(self, overrides: Overrides, records: list[Record]) -> tuple[list[list[int]],
                                                                                  dict[int, dict[int, int]]]:
        """Record groups to confirm, and the split memberships {split entry: member} of the records in one."""
        if not len(overrides):
            return [], {}
        by_name: dict[str, list[int]] = defaultdict(list)
        by_id: dict[str, list[int]] = defaultdict(list)
        for i, (key, ids, _country) in enumerate(records):
            by_name[key].append(i)
            for ident in ids:
                by_id[ident].append(i)

        def matched(kind: str, value: str) -> list[int]:
            return by_name.get(value, []) if kind == "name" else by_id.get(value, [])

        confirm = [sorted({i for kind, value in d.members for i in matched(kind, value)})
                   for d in overrides.confirm]
        splits: dict[int, dict[int, int]] = defaultdict(dict)
        for entry, decision in enumerate(overrides.split):
            for member, (kind, value) in enumerate(decision.members):
                for i in matched(kind, value):
                    splits[i][entry] = member
        return confirm, dict(splits)

    def fit(self, X: Any, y: Any = None) -> SupplierResolver:  # noqa: N803
        """Resolve the rows of X (a DataFrame with supplier_name and optional registration_ids, supplier_id,
        supplier_country, source columns, or a 1-D sequence of names) into supplier keys."""
        del y
        with collector_paused():  # records, clusters and indexes hold no cycles: a third of the time otherwise
            return self._fit_records(records_of(X))

    def _fit_records(self, rows: list[Record]) -> SupplierResolver:
        """Fit on the records of the input rows."""
        overrides = self._validate()
        records = sorted(set(rows))
        confirm, splits = self._override_edges(overrides, records)
        union = ConstrainedUnion([r[1] for r in records], [r[2] or None for r in records], splits,
                                 use_country=bool(self.use_country))
        for group in confirm:
            for other in group[1:]:
                union.union(group[0], other, forced=True)
        first_with: dict[str, int] = {}
        for i, (_key, ids, _country) in enumerate(records):
            for ident in ids:
                if ident in first_with:
                    union.union(first_with[ident], i)
                else:
                    first_with[ident] = i
        first_named: dict[str, int] = {}
        for i, (key, _ids, _country) in enumerate(records):
            if not key:
                continue
            if key in first_named:
                union.union(first_named[key], i)
            else:
                first_named[key] = i
        distinct = sorted(first_named)
        edges, stats = self._name_edges(distinct)
        for _cos, a, b in sorted(edges, key=lambda e: (-e[0], e[1], e[2])):
            union.union(first_named[a], first_named[b])
        roots = union.roots()
        root_key = _cluster_keys(records, roots, use_country=bool(self.use_country))
        self.keys_ = {record: root_key[root] for record, root in zip(records, roots, strict=True)}
        self.name_index_ = {key: self.keys_[records[i]] for key, i in first_named.items()}
        self.id_index_ = {ident: self.keys_[records[i]] for ident, i in first_with.items()}
        self.n_records_ = len(records)
        self.n_clusters_ = len({k for k in root_key.values() if k is not None})
        self.stats_ = {**stats, "merges_refused": union.refused, "confirm_entries": len(overrides.confirm),
                       "split_entries": len(overrides.split)}
        return self

    # ---- transform -------------------------------------------------------------------------------------

    def _key_of(self, record: Record) -> str | None:
        """The key of a record: as fitted, else through an id or exact name key, else its own key."""
        found = self.keys_.get(record)
        if found is not None or record in self.keys_:
            return found
        for ident in record[1]:
            if ident in self.id_index_:
                return self.id_index_[ident]
        if record[0] in self.name_index_ and not record[1]:
            return self.name_index_[record[0]]
        return stable_key([record[0]], list(record[1]), [record[2]] if self.use_country else [])

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:  # noqa: N803
        """Fit, then return the supplier key of each row of X (the rows are normalised once)."""
        del y, fit_params
        with collector_paused():
            rows = records_of(X)
            self._fit_records(rows)
            keys = self.keys_
            return np.asarray([keys[r] for r in rows], dtype=object)

    def transform(self, X: Any) -> np.ndarray:  # noqa: N803
        """The supplier key of each row (object array; None when a row has neither a name nor an id).

        Rows seen in fit get their cluster's key; a new row gets the key of a fitted supplier with the same
        registration id or (if it has no id) the same name key, else a key of its own. Refit to resolve new
        rows by fuzzy name matching.
        """
        check_is_fitted(self, "keys_")
        with collector_paused():
            return np.asarray([self._key_of(r) for r in records_of(X)], dtype=object)

    def __sklearn_tags__(self) -> Any:
        """Text input: names (or a frame of supplier columns), no y, no numeric array checks."""
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags

"""Reference enrichment: add sector tiers, ILAB goods and pairs, and TIP tiers to contracts and suppliers.

Everything is computed once per distinct input value (codes, texts, countries) and mapped back to the rows,
so millions of rows take seconds. A question the inputs cannot answer stays null, never "low" or False.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from procrisk.reference import ilab, sectors, tip
from procrisk.schema.columns import ENRICHMENT_CONTRACTS

CONTRACT_COLUMNS = tuple(c.name for c in ENRICHMENT_CONTRACTS)
SUPPLIER_COLUMNS = ("supplier_country_tier", "production_countries_worst_tier")
TEXT_COLUMNS = ("title", "description", "category")
# Letters that Unicode decomposition does not reduce to ASCII, spelled out before folding.
_SPELLED = {"ß": "ss", "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
_WILDCARD = "*"
_CPV_WITH_CHECK = re.compile(r"\d{8}-\d")


def fold_all(texts: Sequence[str]) -> list[str]:
    """Fold texts for term matching, in Arrow: lower case, no accents, other character runs one space."""
    folded = pc.utf8_lower(pa.array(texts, type=pa.large_string()))
    for letter, spelled in _SPELLED.items():
        folded = pc.replace_substring(folded, letter, spelled)
    folded = pc.replace_substring_regex(pc.utf8_normalize(folded, form="NFKD"), r"\p{Mn}+", "")
    folded = pc.replace_substring_regex(folded, r"[^a-z0-9]+", " ")
    return pc.utf8_trim(folded, " ").to_pylist()


def fold(text: str) -> str:
    """Fold one text the way fold_all does."""
    return fold_all([text])[0]


def _trie(terms: Iterable[str]) -> str:
    """One regex alternation for many folded terms, factored as a trie so matching stays fast."""
    root: dict = {}
    for term in terms:
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}

    def walk(node: dict) -> str:
        """The pattern for the subtree below ``node`` (longer continuations tried first)."""
        order = sorted((ch for ch in node if ch), key=lambda ch: (ch == _WILDCARD, ch))  # wildcard tried last
        alts = [("[a-z0-9]*" if ch == _WILDCARD else re.escape(ch)) + walk(node[ch]) for ch in order]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return walk(root)


@dataclass
class TermMatcher:
    """Word-boundary matching of folded terms (a trailing * allows any word ending) to integer payloads.

    ``combine`` merges the payloads of one text's hits: bitwise OR for goods, max for sector candidates.
    Stop terms carry payload 0 and, matched first as longer phrases, hide the shorter terms inside them.
    """

    payloads: dict[str, int]
    combine: str = "or"
    pattern: re.Pattern[str] = field(init=False)
    _wild: tuple[tuple[str, int], ...] = field(init=False)
    _seen: dict[str, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        """Compile the trie pattern and index wildcard prefixes longest first."""
        self.pattern = re.compile(r"\b(?:" + _trie(self.payloads) + r")\b")
        wild = [(t[:-1], p) for t, p in self.payloads.items() if t.endswith(_WILDCARD)]
        self._wild = tuple(sorted(wild, key=lambda tp: -len(tp[0])))

    def _payload(self, hit: str) -> int:
        """The payload of one matched string: its exact term, else its longest wildcard prefix."""
        if hit not in self._seen:
            value = self.payloads.get(hit)
            if value is None:
                value = next((p for prefix, p in self._wild if hit.startswith(prefix)), 0)
            self._seen[hit] = value
        return self._seen[hit]

    def scan(self, folded: str) -> int:
        """The combined payload of every term found in one folded text (0 when none)."""
        out = 0
        for hit in self.pattern.findall(folded):
            value = self._payload(hit)
            out = (out | value) if self.combine == "or" else max(out, value)
        return out

    def scan_all(self, folded: Sequence[str]) -> np.ndarray:
        """``scan`` over many folded texts."""
        return np.fromiter((self.scan(t) for t in folded), dtype=np.int64, count=len(folded))


def _add_terms(payloads: dict[str, int], terms: Sequence[str], value: int, combine: str) -> None:
    """Register terms (folded here) with a payload, merging with any payload the term already has."""
    wild = [t.endswith(_WILDCARD) for t in terms]
    folded = fold_all([t.removesuffix(_WILDCARD) for t in terms]) if terms else []
    for term, is_wild in zip(folded, wild, strict=True):
        if not term:
            continue
        key = term + _WILDCARD if is_wild else term
        old = payloads.get(key, 0)
        payloads[key] = (old | value) if combine == "or" else max(old, value)


@dataclass(frozen=True)
class _Reference:
    """Everything enrichment needs from the reference tables, prepared once."""

    goods: TermMatcher
    sector: TermMatcher
    good_names: tuple[tuple[str, ...], ...]  # per crosswalk row: its ILAB goods
    good_keys: tuple[str, ...]
    cpv_prefixes: tuple[tuple[str, ...], ...]
    naics_prefixes: tuple[tuple[str, ...], ...]
    good_sector: tuple[int, ...]  # per crosswalk row: sector candidate code
    candidates: dict[int, tuple[str, str]]  # candidate code -> (tier, label)


def _candidate(rank_table: dict[int, tuple[str, str]], prefix: str, order: int, why: str) -> int:
    """Encode a text-derived sector candidate as tier rank * 1000 + priority (higher wins); 0 if untiered."""
    found = sectors.tier_of_prefix(prefix, "CPV")
    if found is None:
        return 0
    tier, label = found
    code = sectors.TIER_RANK[tier] * 1000 + (999 - order)
    rank_table[code] = (tier, f"{label}; text match: {why}")
    return code


@cache
def _reference() -> _Reference:
    """Build the matchers and lookup tables from the shipped reference data."""
    walk = ilab.crosswalk()
    if len(walk) > 62:
        msg = "goods_cpv_crosswalk.csv: at most 62 rows fit the int64 goods bitmask"
        raise ValueError(msg)
    candidates: dict[int, tuple[str, str]] = {}
    goods_payloads: dict[str, int] = {}
    for i, row in enumerate(walk.itertuples(index=False)):
        _add_terms(goods_payloads, row.stop_terms, 0, "or")
        _add_terms(goods_payloads, row.terms, 1 << i, "or")
    sector_payloads: dict[str, int] = {}
    for order, row in enumerate(sectors.sector_terms().itertuples(index=False)):
        _add_terms(sector_payloads, row.stop_terms, 0, "max")
        _add_terms(sector_payloads, row.terms, _candidate(candidates, row.cpv_prefix, order, row.note), "max")
    good_sector = tuple(_candidate(candidates, p, 500 + i, g.replace("_", " "))
                        for i, (p, g) in enumerate(zip(walk["sector_prefix"], walk["good"], strict=True)))
    return _Reference(
        goods=TermMatcher(goods_payloads, "or"),
        sector=TermMatcher(sector_payloads, "max"),
        good_names=tuple(walk["ilab_goods"]),
        good_keys=tuple(walk["good"]),
        cpv_prefixes=tuple(walk["cpv_prefixes"]),
        naics_prefixes=tuple(walk["naics_prefixes"]),
        good_sector=good_sector,
        candidates=candidates,
    )


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column of ``frame``, or an all-null column when the frame lacks it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=object)


def _distinct(values: pd.Series) -> tuple[np.ndarray, list]:
    """Integer code per row (-1 for null) and the distinct non-null values, in order of appearance."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, list(uniques)


def _spread(results: list, codes: np.ndarray) -> np.ndarray:
    """Object array with ``results[code]`` per row and None where the code is -1."""
    lookup = np.empty(len(results) + 1, dtype=object)
    for k, value in enumerate(results):
        lookup[k] = value
    return lookup[codes]


def _strings(results: list[str | None], codes: np.ndarray) -> pd.Series:
    """A nullable string Series with ``results[code]`` per row (NA where the code is -1), built in Arrow."""
    index = np.where(codes < 0, len(results), codes)
    values = pa.array([*results, None], type=pa.string()).take(pa.array(index))
    return pd.Series(pd.array(values, dtype=pd.StringDtype("pyarrow")))


def _booleans(values: np.ndarray, known: np.ndarray) -> pd.Series:
    """A nullable boolean Series: ``values`` where ``known``, NA elsewhere."""
    return pd.Series(pd.arrays.BooleanArray(values.astype(bool), ~known.astype(bool)))


# -- codes ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _CodeInfo:
    """What one (scheme, code, cpv_division) combination says: sector tier and label, goods bitmask."""

    tier: str | None = None
    label: str | None = None
    mask: int = 0
    looked: bool = False  # a CPV (group or finer) or NAICS (4+ digits) code the crosswalk could judge


def _code_info(scheme_raw: object, code: object, division: object, ref: _Reference) -> _CodeInfo:
    """Sector tier, label and goods bitmask of one classification (CPV falls back to cpv_division)."""
    scheme = sectors.scheme_name(scheme_raw)
    if scheme is None and isinstance(code, str) and _CPV_WITH_CHECK.fullmatch(code.strip()):
        scheme = "CPV"
    stem = sectors.code_stem(code, scheme) if scheme else None
    if stem is None and isinstance(division, str) and scheme in (None, "CPV"):
        scheme, stem = "CPV", sectors.code_stem(division, "CPV")
    if stem is None or scheme is None:
        return _CodeInfo()
    found = sectors.match(stem, scheme)
    tier, label = (found[1], found[2]) if found else (None, None)
    prefixes = {"CPV": ref.cpv_prefixes, "NAICS": ref.naics_prefixes}.get(scheme)
    if prefixes is None:
        return _CodeInfo(tier, label)
    mask = sum(1 << i for i, p in enumerate(prefixes) if p and stem.startswith(p))
    # A bare division (CPV "45000000", NAICS "23") is too coarse to say that no listed good is bought.
    specific = len(stem.rstrip("0")) >= 3 if scheme == "CPV" else len(stem) >= 4
    return _CodeInfo(tier, label, mask, looked=bool(mask) or specific)


def _codes(frame: pd.DataFrame, ref: _Reference) -> tuple[np.ndarray, list[_CodeInfo]]:
    """Per row: the index of its distinct (scheme, code, cpv_division) combination, and what each says."""
    parts = [_distinct(_column(frame, c)) for c in ("classification_scheme", "classification_code",
                                                     "cpv_division")]
    key = np.zeros(len(frame), dtype=np.int64)
    for codes, uniques in parts:
        key = key * (len(uniques) + 1) + (codes + 1)
    kcodes, keys = pd.factorize(key)
    infos = []
    for value in keys:
        rest, values = int(value), []
        for _, uniques in reversed(parts):
            rest, k = divmod(rest, len(uniques) + 1)
            values.append(uniques[k - 1] if k else None)
        division, code, scheme = values
        infos.append(_code_info(scheme, code, division, ref))
    return kcodes, infos


# -- texts ------------------------------------------------------------------------------------------------

def _texts(frame: pd.DataFrame, ref: _Reference) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Goods bitmask (OR), best sector candidate (max) and "had text" over title, description and category."""
    n = len(frame)
    goods = np.zeros(n, dtype=np.int64)
    sector = np.zeros(n, dtype=np.int64)
    had_text = np.zeros(n, dtype=bool)
    for name in TEXT_COLUMNS:
        codes, uniques = _distinct(_column(frame, name))
        if not uniques:
            continue
        folded = fold_all([str(u) for u in uniques])
        goods |= np.append(ref.goods.scan_all(folded), 0)[codes]
        sector = np.maximum(sector, np.append(ref.sector.scan_all(folded), 0)[codes])
        had_text |= np.array([*(bool(t) for t in folded), False], dtype=bool)[codes]
    return goods, sector, had_text


def _sector(kcodes: np.ndarray, infos: list[_CodeInfo], sector: np.ndarray, mask: np.ndarray,
            ref: _Reference) -> tuple[pd.Series, pd.Series]:
    """Sector tier and label: from the code when it has a tier, else the best text candidate."""
    mcodes, masks = pd.factorize(mask)
    from_goods = np.array([max((ref.good_sector[i] for i in range(len(ref.good_sector)) if int(m) >> i & 1),
                               default=0) for m in masks], dtype=np.int64)[mcodes]
    text_best = np.maximum(sector, from_goods)
    code_has_tier = np.array([i.tier is not None for i in infos], dtype=bool)[kcodes]
    # One integer per row: a code combination (< len(infos)) or len(infos) + a text candidate code.
    scodes, keys = pd.factorize(np.where(code_has_tier, kcodes, len(infos) + text_best))
    n = len(infos)
    found = [(infos[k].tier, infos[k].label) if k < n else ref.candidates.get(k - n, (None, None))
             for k in (int(v) for v in keys)]
    return _strings([f[0] for f in found], scodes), _strings([f[1] for f in found], scodes)


# -- goods and pairs --------------------------------------------------------------------------------------

def _goods_lists(mask: np.ndarray, looked: np.ndarray, ref: _Reference) -> pd.Series:
    """The ILAB good names of each row's bitmask; [] when looked and none found, None when not looked."""
    def names(m: int) -> list[str]:
        """ILAB names of the set bits, crosswalk order, each once."""
        out: list[str] = []
        for i, goods in enumerate(ref.good_names):
            if m >> i & 1:
                out.extend(g for g in goods if g not in out)
        return out

    codes, masks = pd.factorize(mask)
    values = _spread([names(int(m)) for m in masks], np.where(looked, codes, -1))
    return pd.Series(values, dtype=object)


def _pairs(mask: np.ndarray, origin: pd.Series, ref: _Reference) -> tuple[np.ndarray, np.ndarray]:
    """(child labour pair, forced labour pair) per row as 1 / 0 / -1 (origin unknown)."""
    flags = ilab.pair_flags()
    ocodes, origins = _distinct(origin)
    iso2 = [str(o).strip().upper() for o in origins]
    mcodes, masks = pd.factorize(mask)
    kcodes, keys = pd.factorize(mcodes.astype(np.int64) * (len(iso2) + 1) + (ocodes + 1))
    child = np.zeros(len(keys), dtype=np.int8)
    forced = np.zeros(len(keys), dtype=np.int8)
    for k, value in enumerate(keys):
        mk, o = divmod(int(value), len(iso2) + 1)
        m = int(masks[mk])
        if m == 0:
            continue
        if o == 0:
            child[k] = forced[k] = -1
            continue
        country = iso2[o - 1]
        hits = [flags[key].get(country, (False, False)) for i, key in enumerate(ref.good_keys) if m >> i & 1]
        child[k] = any(h[0] for h in hits)
        forced[k] = any(h[1] for h in hits)
    return child[kcodes], forced[kcodes]


# -- countries --------------------------------------------------------------------------------------------

def _tiers(frame: pd.DataFrame, column: str) -> tuple[pd.Series, np.ndarray]:
    """TIP tier (string Series) and Report year (float array, NaN when no tier) of one ISO2 country column."""
    codes, uniques = _distinct(_column(frame, column))
    found = tip.tier_of(pd.Series([str(u) for u in uniques], dtype=object))
    tiers = [None if pd.isna(t) else str(t) for t in found["tier"]]
    years = np.array([*(np.nan if pd.isna(y) else float(y) for y in found["year"]), np.nan])
    return _strings(tiers, codes), years[codes]


# -- public -----------------------------------------------------------------------------------------------

def enrich_contracts(contracts: pd.DataFrame) -> pd.DataFrame:
    """Return ``contracts`` with the ENRICHMENT_CONTRACTS columns added (replaced where present)."""
    ref = _reference()
    frame = contracts.reset_index(drop=True)
    kcodes, infos = _codes(frame, ref)
    text_mask, text_sector, had_text = _texts(frame, ref)
    mask = np.array([i.mask for i in infos], dtype=np.int64)[kcodes] | text_mask
    looked = had_text | np.array([i.looked for i in infos], dtype=bool)[kcodes]
    sector_tier, sector_label = _sector(kcodes, infos, text_sector, mask, ref)
    child, forced = _pairs(mask, _column(frame, "origin_country"), ref)
    out = {
        "sector_tier": sector_tier,
        "sector_label": sector_label,
        "ilab_goods": _goods_lists(mask, looked, ref),
        "ilab_good_listed": _booleans(mask != 0, looked),
        "ilab_forced_labour_pair": _booleans(forced == 1, looked & (forced >= 0)),
        "ilab_child_labour_pair": _booleans(child == 1, looked & (child >= 0)),
    }
    years = np.full(len(frame), np.inf)
    for role in ("supplier", "origin", "delivery"):
        out[f"{role}_country_tier"], year = _tiers(frame, f"{role}_country")
        years = np.fmin(years, year)
    known = np.isfinite(years)
    out["tip_year"] = pd.Series(pd.arrays.IntegerArray(np.where(known, years, 0).astype(np.int64), ~known))
    return _attach(contracts, pd.DataFrame({name: out[name] for name in CONTRACT_COLUMNS}))


def _attach(frame: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
    """Append the ``added`` columns (aligned by position) to ``frame``, replacing same-named columns."""
    base = frame.drop(columns=[c for c in added.columns if c in frame.columns]).reset_index(drop=True)
    return pd.concat([base, added.reset_index(drop=True)], axis=1).set_axis(frame.index, axis=0)


def enrich_suppliers(suppliers: pd.DataFrame) -> pd.DataFrame:
    """Return ``suppliers`` with supplier_country_tier and production_countries_worst_tier added."""
    frame = suppliers.reset_index(drop=True)
    own, _ = _tiers(frame, "supplier_country")
    exploded = _column(frame, "production_countries").explode()
    exploded = exploded[exploded.notna()]
    found = tip.tier_of(exploded.astype(str))["tier"]
    worst = found.map(tip.TIER_RANK).dropna().groupby(level=0).max()
    by_rank = {r: t for t, r in tip.TIER_RANK.items()}
    worst_tier = pd.Series(pd.NA, index=frame.index, dtype="string")
    worst_tier[worst.index] = worst.map(by_rank).astype("string")
    added = pd.DataFrame({"supplier_country_tier": own, "production_countries_worst_tier": worst_tier})
    return _attach(suppliers, added)

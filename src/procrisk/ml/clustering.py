"""Union-find with cannot-link constraints: registration-id schemes, countries and the user's split decisions.

Edges are tried in a fixed order (confirmations, shared ids, equal name keys, then name matches by decreasing
similarity); an edge that would put two conflicting records into one cluster is skipped. New records that match
nothing old only add their own edges, so the clusters of old records do not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from procrisk.errors import ConfigError
from procrisk.ml.identifiers import scheme_of


@dataclass
class _Cluster:
    """What a cluster root knows: ids by scheme, countries, and split-decision memberships."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    countries: set[str] = field(default_factory=set)
    splits: dict[int, int] = field(default_factory=dict)


class ConstrainedUnion:
    """Union-find over record indexes that refuses merges breaking an id, country or split constraint."""

    def __init__(self, ids: list[tuple[str, ...]], countries: list[str | None],
                 splits: dict[int, dict[int, int]], *, use_country: bool = True) -> None:
        """One singleton cluster per record; ``splits`` maps a record to its split memberships (most have none).

        A cluster's info is built when it is first asked to merge: most records of a big table never are.
        """
        self.parent = list(range(len(ids)))
        self.ids, self.countries, self.splits = ids, countries, splits
        self.use_country = use_country
        self.info: dict[int, _Cluster | None] = {}
        self.merged = 0
        self.refused = 0

    def _info(self, root: int) -> _Cluster | None:
        """What root knows (None when it has no id, country or split): made from its record when first needed."""
        if root in self.info:
            return self.info[root]
        record_ids, split = self.ids[root], self.splits.get(root)
        country = self.countries[root] if self.use_country else None
        made = None
        if record_ids or country or split:
            by_scheme: dict[str, set[str]] = {}
            for ident in record_ids:
                by_scheme.setdefault(scheme_of(ident), set()).add(ident)
            made = _Cluster(by_scheme, {country} if country else set(), dict(split or {}))
        self.info[root] = made
        return made

    def find(self, i: int) -> int:
        """The root of record i (with path halving)."""
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def conflict(self, a: int, b: int) -> str | None:
        """Why roots a and b may not merge ('split', 'id', 'country'), or None."""
        x, y = self._info(a), self._info(b)
        if x is None or y is None:
            return None
        for entry, member in x.splits.items():
            if y.splits.get(entry, member) != member:
                return "split"
        for scheme, values in x.ids.items():
            other = y.ids.get(scheme)
            if other and not (values & other):
                return "id"
        if x.countries and y.countries and not (x.countries & y.countries):
            return "country"
        return None

    def union(self, a: int, b: int, *, forced: bool = False) -> bool:
        """Merge the clusters of a and b unless a constraint forbids it (forced: only splits forbid)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        why = self.conflict(ra, rb)
        if why == "split" and forced:
            msg = "supplier overrides: a confirm entry joins names or ids that a split entry keeps apart"
            raise ConfigError(msg)
        if why and not forced:
            self.refused += 1
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        x, y = self._info(ra), self._info(rb)
        if y is None:
            return True
        if x is None:
            self.info[ra] = y
            return True
        for scheme, values in y.ids.items():
            x.ids.setdefault(scheme, set()).update(values)
        x.countries |= y.countries
        x.splits.update(y.splits)
        self.merged += 1
        return True

    def roots(self) -> list[int]:
        """The root of every record."""
        return [self.find(i) for i in range(len(self.parent))]

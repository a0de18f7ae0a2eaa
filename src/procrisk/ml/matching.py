"""Candidate name pairs: blocking, character n-gram vectors compared within blocks, and the typo guard.

Two different name keys become a match when they are the same letters once spaces are removed, or when (1)
they share a block (same number of words, the same numbers, and the same first word or first words one typo
apart), (2) the cosine of their character n-gram vectors reaches the threshold, and (3) ``compatible`` holds:
the same numbers, and every word equal up to one typo (two typos in all). Blocking on the numbers loses no
match, since ``compatible`` refuses names whose numbers differ, and keeps numbered names ("Supplier 4790
Ltd", "Lot 12 cleaning") out of one block whose pairs would grow with the square of its size.
Every step looks at the two names only (term frequencies, no weights learned from the rest of the data), so
adding unrelated names never changes whether two names match; that is what keeps supplier keys stable.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import scipy.sparse as sp

from procrisk.ml.edits import one_edit_apart
from procrisk.ml.normalise import digits_signature

_PAIR_CHUNK = 500_000


def _deletions(word: str) -> set[str]:
    """The word with each one letter deleted (two words one typo apart share one of these, or a word)."""
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def first_word_neighbours(words: list[str]) -> list[tuple[int, int]]:
    """Index pairs of distinct first words one typo apart (four letters or more), found by deletion blocks."""
    by_variant: dict[str, list[int]] = defaultdict(list)
    for i, word in enumerate(words):
        if len(word) >= 4:
            for variant in {word, *_deletions(word)}:
                by_variant[variant].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in by_variant.values():
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                x, y = members[a], members[b]
                pair = (x, y) if x < y else (y, x)
                if pair not in pairs and one_edit_apart(words[x], words[y]) <= 1:
                    pairs.add(pair)
    return sorted(pairs)


def _window_pairs(left: np.ndarray, right: np.ndarray | None, lengths: np.ndarray, slack: int,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs between two index sets (or within one when right is None) whose lengths differ by <= slack."""
    if right is None:
        order = left[np.argsort(lengths[left], kind="stable")]
        sizes = lengths[order]
        ends = np.searchsorted(sizes, sizes + slack, side="right")
        starts = np.arange(len(order)) + 1
        counts = np.maximum(ends - starts, 0)
        a = np.repeat(order, counts)
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        return a, order[offsets]
    a = np.repeat(left, len(right))
    b = np.tile(right, len(left))
    keep = np.abs(lengths[a] - lengths[b]) <= slack
    return a[keep], b[keep]


def candidate_pairs(keys: list[str], max_edits: int = 2) -> tuple[np.ndarray, np.ndarray, int]:
    """Index pairs (i < j) of keys that may match, and the number of blocks used.

    Blocks hold keys with the same number of words, the same numbers (``digits_signature``) and the same first
    word, or first words one typo apart; inside a block only keys whose lengths (without spaces) differ by at
    most ``max_edits`` are paired.
    """
    first = [k.split(" ", 1)[0] for k in keys]
    n_words = np.fromiter((k.count(" ") + 1 for k in keys), dtype=np.int64, count=len(keys))
    lengths = np.fromiter((len(k) - k.count(" ") for k in keys), dtype=np.int64, count=len(keys))
    vocabulary = sorted(set(first))
    word_id = {w: i for i, w in enumerate(vocabulary)}
    signature_id: dict[tuple[str, ...], int] = {}
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for i, (key, word, count) in enumerate(zip(keys, first, n_words.tolist(), strict=True)):
        signature = signature_id.setdefault(digits_signature(key), len(signature_id))
        groups[(word_id[word], count, signature)].append(i)
    members = {g: np.asarray(m, dtype=np.int64) for g, m in groups.items()}
    counts_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for word, count, signature in members:
        counts_of[word].append((count, signature))
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    blocks = 0
    for arr in members.values():
        if len(arr) > 1:
            blocks += 1
            a, b = _window_pairs(arr, None, lengths, max_edits)
            left.append(a)
            right.append(b)
    for x, y in first_word_neighbours(vocabulary):
        for count, signature in sorted(set(counts_of[x]) & set(counts_of[y])):
            blocks += 1
            a, b = _window_pairs(members[(x, count, signature)], members[(y, count, signature)], lengths,
                                 max_edits)
            left.append(a)
            right.append(b)
    if not left:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, blocks
    a, b = np.concatenate(left), np.concatenate(right)
    low, high = np.minimum(a, b), np.maximum(a, b)
    code = np.unique(low * len(keys) + high)
    return code // len(keys), code % len(keys), blocks


def pair_cosines(vectors: sp.csr_matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Cosine of each (left[k], right[k]) pair of L2-normalised sparse rows, in chunks."""
    out = np.empty(len(left), dtype=np.float64)
    for start in range(0, len(left), _PAIR_CHUNK):
        stop = start + _PAIR_CHUNK
        product = vectors[left[start:stop]].multiply(vectors[right[start:stop]])
        out[start:stop] = np.asarray(product.sum(axis=1)).ravel()
    return out


def _word_budget(word: str) -> int:
    """Typos allowed in one word: none up to three letters, one from four (never more than one)."""
    return 0 if len(word) <= 3 else 1


def compatible(a: str, b: str, max_edits: int = 2) -> bool:
    """Whether two name keys may name one supplier: same numbers, and equal up to a few typos."""
    if a == b:
        return True
    if digits_signature(a) != digits_signature(b):
        return False
    compact_a, compact_b = a.replace(" ", ""), b.replace(" ", "")
    if compact_a == compact_b:
        return True
    if abs(len(compact_a) - len(compact_b)) > max_edits:
        return False
    words_a, words_b = a.split(), b.split()
    if len(words_a) != len(words_b):
        return False
    total = 0
    for x, y in zip(words_a, words_b, strict=True):
        if x == y:
            continue
        budget = _word_budget(x if len(x) < len(y) else y)
        edits = one_edit_apart(x, y)
        if edits > budget:
            return False
        total += edits
        if total > max_edits:
            return False
    return True

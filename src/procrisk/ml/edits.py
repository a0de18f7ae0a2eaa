"""Edit distance between short strings: optimal string alignment (a typo, a missing, extra or swapped letter)."""

from __future__ import annotations


def osa_distance(a: str, b: str, limit: int = 3) -> int:
    """Edits (insert, delete, substitute, swap adjacent) turning ``a`` into ``b``; ``limit + 1`` once above limit."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(lb + 1))
    for i in range(1, la + 1):
        current = [i] + [0] * lb
        ai = a[i - 1]
        best = current[0]
        for j in range(1, lb + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ai != b[j - 1]))
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[lb], limit + 1)


def one_edit_apart(a: str, b: str) -> int:
    """0 when equal, 1 when one insert, delete, substitution or adjacent swap apart, else 2 (no matrix needed)."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if la > lb:
        a, b, la, lb = b, a, lb, la
    if lb - la > 1:
        return 2
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1:] == b[i + 1:]:
            return 1
        swapped = i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]
        return 1 if swapped else 2
    return 1 if a[i:] == b[i + 1:] else 2

"""Tasks without group structure: Latin squares that are not groups, and random tables.

The paper's account of grokking (Secs. 4-5) characterises the energy's maxima through group
representations; it leaves open what happens on tasks that have no group behind them (Sec. 8).
This module makes such tasks so the same network, training engine and energy can be run on
them: a :class:`Table` is any binary operation on {0, ..., M-1} given by its M x M table.

- :func:`random_latin_square`: every row and every column is a permutation (a quasigroup), as
  for a group's Cayley table, but in general with no group behind it;
- :func:`random_table`: every entry drawn independently, uniformly (nothing to learn but the
  table itself);
- :func:`parse_table`: the table one of the two makes, from the name it gives it;
- :func:`is_group_isotope`: whether a Latin square is a group's table with its rows, columns
  and symbols relabelled. One-hot inputs do not see labels, so an isotope of a group is, for
  the network, the same task as the group; only Latin squares that fail this test are new.
"""

from __future__ import annotations

import re

import numpy as np

from . import Group, _check_size

__all__ = ["Table", "random_latin_square", "random_table", "parse_table", "is_latin_square", "is_group_isotope"]


class Table(Group):
    """A binary operation on {0, ..., M-1} given by ``table[a, b]``, not necessarily a group.

    It can be trained on like a :class:`li2lib.Group` (the engine only reads ``order``,
    ``table`` and ``name``); ``identity`` and ``inverse`` are None and :meth:`irreps` raises.
    """

    def __init__(self, table, name: str, labels: list[str] | None = None):
        table = np.asarray(table)
        if table.ndim != 2 or table.shape[0] != table.shape[1] or table.shape[0] < 1:
            raise ValueError(f"table must be a square M x M array, got shape {table.shape}")
        if not np.issubdtype(table.dtype, np.integer) or table.min() < 0 or table.max() >= table.shape[0]:
            raise ValueError(f"table entries must be integers in [0, {table.shape[0] - 1}]")
        self._set_table(table, name, labels)
        self.identity = None
        self.inverse = None

    def irreps(self):
        raise ValueError(f"{self.name} is not a group: it has no irreducible representations")

    def real_irreps(self):
        return self.irreps()

    def __repr__(self) -> str:
        return f"Table({self.name}, order={self.order})"


def is_latin_square(table) -> bool:
    """True when every row and every column of the square ``table`` is a permutation of 0..M-1."""
    table = np.asarray(table)
    if table.ndim != 2 or table.shape[0] != table.shape[1]:
        return False
    full = np.arange(table.shape[0])
    return bool((np.sort(table, axis=0) == full[:, None]).all() and (np.sort(table, axis=1) == full[None, :]).all())


def _perfect_matching(allowed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A perfect matching column -> symbol in the bipartite graph ``allowed`` (M x M booleans),
    by augmenting paths tried in random order. Returns symbol[column]."""
    M = allowed.shape[0]
    owner = np.full(M, -1)  # owner[symbol] = column

    def augment(col, seen):
        for s in rng.permutation(np.flatnonzero(allowed[col])):
            if not seen[s]:
                seen[s] = True
                if owner[s] < 0 or augment(owner[s], seen):
                    owner[s] = col
                    return True
        return False

    for col in rng.permutation(M):
        if not augment(col, np.zeros(M, dtype=bool)):
            raise RuntimeError("no perfect matching: the rows so far are not a Latin rectangle")
    symbol = np.empty(M, dtype=np.int64)
    symbol[owner] = np.arange(M)
    return symbol


def random_latin_square(n: int, seed: int = 0) -> Table:
    """A random Latin square of order n, built row by row: each new row is a random perfect
    matching of columns to the symbols not yet used in them, which exists by Hall's theorem
    (every k x n Latin rectangle extends). Not uniformly distributed over Latin squares; for
    n >= 5 the result is in general not the table of any group (:func:`is_group_isotope`)."""
    n = _check_size(n, "n")
    rng = np.random.default_rng(seed)
    table = np.zeros((n, n), dtype=np.int64)
    used = np.zeros((n, n), dtype=bool)  # used[column, symbol]
    for row in range(n):
        table[row] = _perfect_matching(~used, rng)
        used[np.arange(n), table[row]] = True
    return Table(table, f"Latin_{n}(seed {seed})")


def random_table(n: int, seed: int = 0) -> Table:
    """A table of order n with every entry drawn uniformly and independently from 0..n-1."""
    n = _check_size(n, "n")
    return Table(np.random.default_rng(seed).integers(0, n, (n, n)), f"Random_{n}(seed {seed})")


def parse_table(name: str) -> Table:
    """The table :func:`random_latin_square` or :func:`random_table` gives the name ``name``
    (``"Latin_23(seed 0)"``, ``"Random_23(seed 0)"``), made again from its order and seed."""
    match = re.fullmatch(r"(Latin|Random)_(\d+)\(seed (\d+)\)", name) if isinstance(name, str) else None
    if match is None:
        raise ValueError(f"name must be a table's name such as 'Latin_23(seed 0)' or 'Random_23(seed 0)', got {name!r}")
    make = random_latin_square if match[1] == "Latin" else random_table
    return make(int(match[2]), seed=int(match[3]))


def is_group_isotope(table) -> bool:
    """Whether the Latin square ``table`` is a group's Cayley table up to relabelling its rows,
    columns and symbols separately (an isotope of a group).

    Its principal loop isotope x o y = L[f^-1(x), g^-1(y)], with f(a) = L[a, 0] and
    g(b) = L[0, b], is a loop (identity L[0, 0]); a loop isotopic to a group is isomorphic to it
    (Albert's theorem), so the square is a group isotope exactly when that loop is associative.
    """
    L = np.asarray(table)
    if not is_latin_square(L):
        raise ValueError("table must be a Latin square (every row and column a permutation)")
    M = L.shape[0]
    row_of = np.argsort(L[:, 0])  # f^-1
    col_of = np.argsort(L[0, :])  # g^-1
    loop = L[row_of[:, None], col_of[None, :]]
    return bool((loop[loop, :] == loop[:, loop]).all()) if M > 0 else True

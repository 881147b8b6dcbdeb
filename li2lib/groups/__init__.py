"""Finite groups given by their Cayley tables.

The paper's tasks (Sec. 2) are "group arithmetic": for a finite group H of order M, predict
h1 h2 from the pair (h1, h2). Everything the library needs from a group is its multiplication
table, so a :class:`Group` is a validated Cayley table plus names for its elements.

Elements are the integers 0..M-1 and ``table[a, b]`` is the index of the product a*b
(a acts first on the left: for permutations ``a*b`` means "apply b, then a").
"""

from __future__ import annotations

import itertools
import re

import numpy as np

from .._lazy import submodules

SUBMODULES, __getattr__, __dir__ = submodules(globals())

__all__ = [
    "as_group",
    "Group",
    "cyclic",
    "product",
    "dihedral",
    "dicyclic",
    "quaternion",
    "symmetric",
    "alternating",
    "from_table",
    "parse_group",
]


class Group:
    """A finite group of order M, given by its Cayley table.

    Build one with :func:`cyclic`, :func:`product`, :func:`dihedral`, :func:`dicyclic`,
    :func:`quaternion`, :func:`symmetric`, :func:`alternating` or :func:`from_table` (which
    checks the group axioms); the constructor itself trusts its input.

    Attributes
    ----------
    order : int
        M, the number of elements.
    table : ndarray of int, shape (M, M)
        ``table[a, b]`` is the index of a*b.
    identity : int
        Index of the identity element.
    inverse : ndarray of int, shape (M,)
        ``inverse[a]`` is the index of a^-1 (the paper's operator P maps e_h to e_{h^-1}).
    name : str
        A short name such as ``"Z_71"`` or ``"D_5"``.
    labels : list of str
        A printable name for every element, in index order.
    """

    def __init__(self, table: np.ndarray, name: str, labels: list[str] | None = None):
        self._set_table(table, name, labels)
        self.identity = int(np.flatnonzero((self.table == np.arange(self.order)).all(axis=1))[0])
        inverse = np.argmax(self.table == self.identity, axis=1)
        self.inverse = inverse.astype(np.int64)
        self.inverse.setflags(write=False)

    def _set_table(self, table, name: str, labels) -> None:
        """The table (read-only int64), name, order and labels: what every table on M elements has."""
        self.table = np.ascontiguousarray(table, dtype=np.int64)
        self.table.setflags(write=False)
        self.name = name
        self.order = int(self.table.shape[0])
        self.labels = list(labels) if labels is not None else [str(i) for i in range(self.order)]
        self._irreps = None

    def irreps(self):
        """The complex irreducible representations (:class:`li2lib.groups.irreps.Irrep`), computed
        from the table once and cached: trivial first, then by dimension."""
        if self._irreps is None:
            from .irreps import irreps

            self._irreps = irreps(self)
        return self._irreps

    def real_irreps(self):
        """One irrep per real isotypic subspace of R^M (a complex irrep and its conjugate
        share one). For Z_M: the trivial irrep, then frequencies 1, ..., floor(M/2)."""
        return [ir for ir in self.irreps() if ir.index <= ir.conjugate]

    @property
    def is_abelian(self) -> bool:
        """True when a*b = b*a for all a, b (all complex irreps are then 1-dimensional)."""
        return bool((self.table == self.table.T).all())

    def __repr__(self) -> str:
        return f"Group({self.name}, order={self.order})"


def as_group(group) -> "Group":
    """``group`` itself, or Z_M for an int M: how every li2lib function reads a group argument."""
    if isinstance(group, (int, np.integer)) and not isinstance(group, bool):
        return cyclic(int(group))
    if not isinstance(group, Group):
        raise ValueError(f"group must be a li2lib Group or an int M (for Z_M), got {type(group).__name__}")
    return group


def _check_size(value, name: str) -> int:
    """Return ``value`` as an int >= 1 or raise a ValueError that names ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def cyclic(n: int) -> Group:
    """Z_n, the integers mod n under addition: the paper's modular addition task."""
    n = _check_size(n, "n")
    a = np.arange(n)
    return Group((a[:, None] + a[None, :]) % n, f"Z_{n}")


def dihedral(n: int) -> Group:
    """D_n, the symmetries of a regular n-gon, of order 2n.

    Element ``f * n + k`` is s^f r^k (r a rotation by 2 pi / n, s a reflection), with
    r^n = s^2 = 1 and s r s = r^-1, so (s^f1 r^k1)(s^f2 r^k2) = s^(f1+f2) r^((-1)^f2 k1 + k2).
    """
    n = _check_size(n, "n")
    f, k = np.divmod(np.arange(2 * n), n)
    f1, f2 = f[:, None], f[None, :]
    k1, k2 = k[:, None], k[None, :]
    table = ((f1 + f2) % 2) * n + (np.where(f2 == 1, -k1, k1) + k2) % n
    labels = [("s" if fi else "") + (f"r{ki}" if ki else ("" if fi else "e")) for fi, ki in zip(f, k)]
    return Group(table, f"D_{n}", labels)


def dicyclic(n: int) -> Group:
    """Dic_n, the dicyclic (binary dihedral) group of order 4n, for n >= 2.

    Presentation: a^(2n) = 1, x^2 = a^n, x a x^-1 = a^-1. Element ``f * 2n + k`` is a^k x^f,
    and (a^k1 x^f1)(a^k2 x^f2) = a^(k1 + (-1)^f1 k2 + n f1 f2) x^(f1 + f2) (mod 2n, mod 2).
    Like D_{2n} it has a cyclic subgroup of index 2, but every element outside it has order 4
    and a^n is the only element of order 2. Its 2-dimensional irreps are quaternionic for odd
    k (a -> diag(e^(i pi k/n), e^(-i pi k/n))), real for even k; ``dicyclic(2)`` is Q_8.
    """
    n = _check_size(n, "n")
    if n < 2:
        raise ValueError(f"n must be an integer >= 2 (Dic_1 would be Z_4), got {n}")
    f, k = np.divmod(np.arange(4 * n), 2 * n)
    f1, f2 = f[:, None], f[None, :]
    k1, k2 = k[:, None], k[None, :]
    table = ((f1 + f2) % 2) * 2 * n + (k1 + np.where(f1 == 1, -k2, k2) + n * f1 * f2) % (2 * n)
    labels = [(f"a{ki}" if ki else ("" if fi else "e")) + ("x" if fi else "") for fi, ki in zip(f, k)]
    return Group(table, f"Dic_{n}", labels)


def quaternion() -> Group:
    """Q_8 = {+-1, +-i, +-j, +-k}, the quaternion group (Dic_2 with a = i, x = j).

    Elements in the order 1, i, -1, -i, j, k, -j, -k. Its 2-dimensional irrep (the quaternions
    acting on C^2) is the smallest quaternionic-type irrep: real character, no real form.
    """
    group = dicyclic(2)
    return Group(group.table, "Q_8", ["1", "i", "-1", "-i", "j", "k", "-j", "-k"])


def _permutation_group(perms: np.ndarray, name: str) -> Group:
    """The group of the given permutations (rows, in lexicographic order) under composition."""
    n = perms.shape[1]
    # composed[a, b, i] = perms[a][perms[b][i]], i.e. (a*b)(i) = a(b(i)).
    composed = perms[:, perms]
    # Lexicographic order = increasing base-n code, so a code's rank is its element index.
    weights = n ** np.arange(n - 1, -1, -1)
    table = np.searchsorted(perms @ weights, composed @ weights)
    return Group(table, name, ["".join(map(str, p)) for p in perms])


def _permutations(n: int) -> np.ndarray:
    if n > 7:
        raise ValueError(f"n must be at most 7 (S_n has n! elements and n!^2 pairs), got {n}")
    return np.array(list(itertools.permutations(range(n))), dtype=np.int64).reshape(-1, n)


def symmetric(n: int) -> Group:
    """S_n, the permutations of {0, ..., n-1}, of order n!.

    Elements are indexed in lexicographic order of their one-line notation (index 0 is the
    identity), and a*b is the composition "apply b, then a": (a*b)(i) = a(b(i)).
    """
    return _permutation_group(_permutations(_check_size(n, "n")), f"S_{n}")


def alternating(n: int) -> Group:
    """A_n, the even permutations of {0, ..., n-1}, of order n!/2 (1 for n = 1).

    Same conventions as :func:`symmetric`. A_4 (order 12) is the smallest group with a
    3-dimensional irreducible representation.
    """
    perms = _permutations(_check_size(n, "n"))
    i, j = np.triu_indices(n, k=1)
    inversions = (perms[:, i] > perms[:, j]).sum(axis=1)  # parity of a permutation
    return _permutation_group(perms[inversions % 2 == 0], f"A_{n}")


def product(*factors) -> Group:
    """Direct product of groups; an int n stands for Z_n.

    ``product(4, 6)`` is Z_4 x Z_6. Element indices run over the factors in row-major
    (C) order: the first factor varies slowest. Labels are strings "(a,b,...)" of the factors' labels.
    """
    if not factors:
        raise ValueError("product needs at least one factor, got none")
    groups = []
    for i, f in enumerate(factors):
        if isinstance(f, Group):
            groups.append(f)
        else:
            groups.append(cyclic(_check_size(f, f"factor {i}")))
    if len(groups) == 1:
        return groups[0]
    sizes = [g.order for g in groups]
    # Multi-index of every element, one column per factor.
    digits = np.array(list(np.ndindex(*sizes)), dtype=np.int64)
    per_factor = [g.table[np.ix_(digits[:, j], digits[:, j])] for j, g in enumerate(groups)]
    table = np.ravel_multi_index(tuple(per_factor), sizes)
    labels = ["(" + ",".join(g.labels[d] for g, d in zip(groups, row)) + ")" for row in digits]
    return Group(table, " x ".join(g.name for g in groups), labels)


def from_table(table, name: str = "H", labels: list[str] | None = None) -> Group:
    """A group from a Cayley table of your own, after checking the group axioms.

    Raises ``ValueError`` naming the first axiom that fails (closure, identity, inverses or
    associativity) and a witness (the offending entry, element or triple).
    """
    arr = np.asarray(table)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 1:
        raise ValueError(f"table must be a non-empty square 2-D array, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        if not (np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr))):
            raise ValueError(f"table must hold integer element indices, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    m = arr.shape[0]
    if labels is not None and len(labels) != m:
        raise ValueError(f"labels must name all {m} elements, got {len(labels)} labels")

    bad = np.argwhere((arr < 0) | (arr >= m))
    if len(bad):
        a, b = bad[0]
        raise ValueError(
            f"table is not a group: closure fails: table[{a}, {b}] = {arr[a, b]} is not an "
            f"element index in 0..{m - 1}"
        )
    ids = np.arange(m)
    left = (arr == ids).all(axis=1) & (arr.T == ids).all(axis=1)
    if not left.any():
        raise ValueError("table is not a group: identity fails: no element e has e*x = x*e = x for all x")
    e = int(np.flatnonzero(left)[0])
    for a in range(m):
        if not ((arr[a] == e) & (arr[:, a] == e)).any():
            raise ValueError(f"table is not a group: inverses fail: element {a} has no b with a*b = b*a = identity ({e})")
    for a in range(m):
        # (a*b)*c for all b, c   versus   a*(b*c) for all b, c.
        lhs = arr[arr[a]]
        rhs = arr[a][arr]
        if not np.array_equal(lhs, rhs):
            b, c = np.argwhere(lhs != rhs)[0]
            raise ValueError(
                f"table is not a group: associativity fails: (a*b)*c = {lhs[b, c]} but "
                f"a*(b*c) = {rhs[b, c]} for a={a}, b={b}, c={c}"
            )
    return Group(arr, name, labels)


_FAMILIES = {"Z": cyclic, "D": dihedral, "Dic": dicyclic, "S": symmetric, "A": alternating}


def parse_group(text) -> Group:
    """A group from an int M (Z_M) or a name as li2lib writes it: ``Z_n``, ``D_n``, ``Dic_n``,
    ``Q_8``, ``S_n``, ``A_n``, or a product of them joined by `` x `` (``"D_3 x Z_2"``)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return cyclic(text)
    if not isinstance(text, str):
        raise ValueError(f"group must be an int M or a group's name such as 'D_12', got {text!r}")
    factors = []
    for part in text.split(" x "):
        part = part.strip()
        match = re.fullmatch(r"(Z|D|Dic|S|A)_(\d+)", part)
        if part == "Q_8":
            factors.append(quaternion())
        elif match:
            factors.append(_FAMILIES[match[1]](int(match[2])))
        else:
            raise ValueError(f"group must be an int M or a name such as 'Z_23', 'D_12', 'Dic_3', 'Q_8', 'S_4', "
                             f"'A_4' or 'Z_4 x Z_7', got {text!r}")
    return factors[0] if len(factors) == 1 else product(*factors)

"""Irreducible representations of any finite group, computed from its Cayley table.

The paper's features are irreducible representations ("irreps"): Theorem 2 says the local
maxima of the energy live in one isotypic subspace of the regular representation. This
module finds the irreps of a group numerically from its table alone, with the
Burnside-Dixon method:

1. split the group into conjugacy classes C_1, ..., C_r;
2. build the class multiplication coefficients c_ijk = #{(x, y) in C_i x C_j : x y = z_k};
3. the central characters w(K_i) = size(C_i) chi(g_i) / chi(1) of the r irreps are the common
   eigenvectors of the matrices (A_i)_jk = c_ijk, found by diagonalising one random
   combination of them;
4. chi(1) follows from the orthogonality relation: the sum over g of abs(chi(g))^2 is M.

For each irrep it also reports the Frobenius-Schur indicator (real, complex or quaternionic
type) and the orthogonal projector onto its isotypic subspace of R^M, the space the paper
calls H_k. Over the reals, a complex irrep and its conjugate share one real subspace, so they
share one projector.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

__all__ = ["Irrep", "conjugacy_classes", "irreps"]

KINDS = {1: "real", 0: "complex", -1: "quaternionic"}


class Irrep:
    """One complex irreducible representation of a finite group, described by its character.

    Attributes
    ----------
    index : int
        Position in ``group.irreps()`` (0 is the trivial representation).
    dim : int
        d_k, the dimension over C.
    character : ndarray of complex, shape (M,)
        chi_k(g) for every element g.
    kind : str
        ``"real"``, ``"complex"`` or ``"quaternionic"`` (Frobenius-Schur indicator 1, 0, -1).
    conjugate : int
        Index of the irrep with the complex-conjugate character (itself unless complex).
    projector : ndarray of float, shape (M, M)
        Orthogonal projector of R^M onto the isotypic subspace of this irrep in the regular
        representation (for a complex irrep, onto the real subspace of the pair k, conj(k)).
        Its entries are (d_k / M) chi_k(a b^-1) (twice the real part for a complex pair).
    real_dim : int
        Dimension of that real subspace: d_k^2, or 2 d_k^2 for a complex pair.
    real_rep_dim : int
        d_R, the dimension of the real irreducible representation that contains this irrep:
        d_k for real type, 2 d_k for complex type (the irrep with its conjugate) and for
        quaternionic type (which has no real form of dimension d_k). The isotypic subspace
        holds d_k copies of it (d_k / 2 for quaternionic type), and over the reals its
        commutant is R, C or the quaternions H respectively (Frobenius-Schur).
    """

    def __init__(self, index, dim, character, kind, conjugate, quotient):
        self.index, self.dim, self.character = index, dim, character
        self.kind, self.conjugate = kind, conjugate
        self._quotient = quotient  # quotient[a, b] = index of a b^-1

    @property
    def trivial(self) -> bool:
        return self.index == 0

    @property
    def real_dim(self) -> int:
        return self.dim**2 * (2 if self.kind == "complex" else 1)

    @property
    def real_rep_dim(self) -> int:
        return self.dim * (1 if self.kind == "real" else 2)

    @cached_property
    def projector(self) -> np.ndarray:
        M = len(self.character)
        chi = self.character[self._quotient]
        scale = 2.0 if self.kind == "complex" else 1.0
        P = scale * self.dim / M * chi.real
        P.setflags(write=False)
        return P

    def __repr__(self) -> str:
        return f"Irrep(index={self.index}, dim={self.dim}, kind={self.kind!r})"


def conjugacy_classes(group) -> list[np.ndarray]:
    """The conjugacy classes {x g x^-1 : x in H}, each a sorted array of element indices.

    The identity's class comes first; the rest are ordered by size, then smallest element.
    """
    t, inv = group.table, group.inverse
    conj = t[t, inv[:, None]]  # conj[x, g] = x g x^-1
    classes, seen = [], np.zeros(group.order, bool)
    for g in range(group.order):
        if not seen[g]:
            members = np.unique(conj[:, g])
            seen[members] = True
            classes.append(members)
    classes.sort(key=lambda c: (group.identity not in c, len(c), c[0]))
    return classes


def _central_characters(group, classes, rng) -> np.ndarray:
    """(r, r) complex: row k holds the central character w_k(K_i) of irrep k on class i."""
    t, inv = group.table, group.inverse
    r = len(classes)
    class_of = np.empty(group.order, np.int64)
    for i, c in enumerate(classes):
        class_of[c] = i
    # c[i, j, k] = #{x in C_i : x^-1 z_k in C_j}, z_k the first element of C_k
    coeff = np.zeros((r, r, r))
    for k, c in enumerate(classes):
        np.add.at(coeff[:, :, k], (class_of, class_of[t[inv, c[0]]]), 1)
    for _ in range(20):
        weights = rng.standard_normal(r)
        values, vectors = np.linalg.eig(np.einsum("i,ijk->jk", weights, coeff))
        gaps = np.abs(values[:, None] - values[None, :])
        np.fill_diagonal(gaps, np.inf)
        if r == 1 or gaps.min() > 1e-6 * max(1.0, np.abs(values).max()):
            return (vectors / vectors[0]).T  # normalise so w(K_identity) = 1
    raise RuntimeError(f"could not separate the irreps of {group.name}; please report this group")


def irreps(group) -> list[Irrep]:
    """All complex irreducible representations of ``group``, as :class:`Irrep` objects.

    Ordered canonically: the trivial irrep first, then by dimension, then by character values
    (for Z_M this is frequency order, each frequency k next to its conjugate -k).
    """
    M = group.order
    classes = conjugacy_classes(group)
    sizes = np.array([len(c) for c in classes])
    omega = _central_characters(group, classes, np.random.default_rng(0))
    # chi(1)^2 = M / sum_i |w_i|^2 / |C_i|, then chi(g_i) = w_i chi(1) / |C_i|
    dims = np.sqrt(M / (np.abs(omega) ** 2 / sizes).sum(axis=1))
    if not np.allclose(dims, np.round(dims), atol=1e-6):
        raise RuntimeError(f"irrep dimensions of {group.name} came out non-integer: {dims}")
    dims = np.round(dims).astype(int)
    class_chars = omega * dims[:, None] / sizes[None, :]
    chars = np.empty((len(classes), M), complex)
    for i, c in enumerate(classes):
        chars[:, c] = class_chars[:, i : i + 1]
    chars[np.abs(chars.imag) < 1e-12] = chars[np.abs(chars.imag) < 1e-12].real

    def key(k):
        rounded = np.round(chars[k], 9)
        return (not np.allclose(chars[k], 1), dims[k], *(-rounded.real), *(-rounded.imag))

    order = sorted(range(len(classes)), key=key)
    chars, dims = chars[order], dims[order]
    squares = group.table[np.arange(M), np.arange(M)]
    indicators = np.round((chars[:, squares].sum(axis=1) / M).real).astype(int)
    conjugates = [int(np.argmin(np.abs(chars - chars[k].conj()).sum(axis=1))) for k in range(len(chars))]
    quotient = group.table[:, group.inverse]  # quotient[a, b] = a b^-1
    return [
        Irrep(k, int(dims[k]), chars[k], KINDS[int(indicators[k])], conjugates[k], quotient)
        for k in range(len(chars))
    ]

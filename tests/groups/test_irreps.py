"""Irreducible representations computed from Cayley tables, checked against textbook facts."""

import numpy as np
import pytest

from li2lib.groups import alternating, cyclic, dicyclic, dihedral, from_table, product, quaternion, symmetric
from li2lib.groups.irreps import conjugacy_classes


def quaternion_group():
    """Q_8 = {+-1, +-i, +-j, +-k}, typed in by hand: index 2q + s for q in (1, i, j, k), s = sign bit."""
    unit = {("1", x): (1, x) for x in "1ijk"} | {(x, "1"): (1, x) for x in "ijk"}
    unit |= {("i", "i"): (-1, "1"), ("j", "j"): (-1, "1"), ("k", "k"): (-1, "1"),
             ("i", "j"): (1, "k"), ("j", "k"): (1, "i"), ("k", "i"): (1, "j"),
             ("j", "i"): (-1, "k"), ("k", "j"): (-1, "i"), ("i", "k"): (-1, "j")}
    elements = [(s, q) for q in "1ijk" for s in (1, -1)]

    def mul(x, y):
        s, q = unit[(x[1], y[1])]
        return elements.index((x[0] * y[0] * s, q))

    return from_table([[mul(x, y) for y in elements] for x in elements], name="Q_8")


# (group, dimensions in canonical order, kinds), from the textbook character tables
CASES = [
    (symmetric(3), [1, 1, 2], ["real"] * 3),
    (dihedral(4), [1, 1, 1, 1, 2], ["real"] * 5),
    (quaternion_group(), [1, 1, 1, 1, 2], ["real"] * 4 + ["quaternionic"]),
    (quaternion(), [1, 1, 1, 1, 2], ["real"] * 4 + ["quaternionic"]),
    # Dic_n: four 1-d irreps (two complex of order 4 when n is odd), then n - 1 2-d irreps,
    # quaternionic for odd k and real for even k in a -> diag(zeta^k, zeta^-k)
    (dicyclic(3), [1, 1, 1, 1, 2, 2], ["real", "real", "complex", "complex", "quaternionic", "real"]),
    (dicyclic(4), [1] * 4 + [2] * 3, ["real"] * 4 + ["quaternionic", "real", "quaternionic"]),
    (alternating(4), [1, 1, 1, 3], ["real", "complex", "complex", "real"]),
    (symmetric(4), [1, 1, 2, 3, 3], ["real"] * 5),
    (product(3, 3), [1] * 9, ["real"] + ["complex"] * 8),
    (dihedral(5), [1, 1, 2, 2], ["real"] * 4),
    (cyclic(8), [1] * 8, ["real"] + ["complex"] * 6 + ["real"]),
]
GROUPS = [c[0] for c in CASES] + [cyclic(1), cyclic(71), product(4, 6), symmetric(5), dicyclic(5)]


@pytest.mark.parametrize("g, dims, kinds", CASES, ids=lambda v: getattr(v, "name", ""))
def test_dimensions_and_types_match_textbook(g, dims, kinds):
    irs = g.irreps()
    assert [ir.dim for ir in irs] == dims
    assert [ir.kind for ir in irs] == kinds
    assert len(irs) == len(conjugacy_classes(g))


@pytest.mark.parametrize("g", GROUPS, ids=lambda g: g.name)
def test_orthogonality_and_burnside(g):
    irs = g.irreps()
    M = g.order
    chi = np.array([ir.character for ir in irs])
    assert sum(ir.dim**2 for ir in irs) == M
    assert irs[0].trivial and np.allclose(chi[0], 1)
    np.testing.assert_allclose(chi[:, g.identity], [ir.dim for ir in irs], atol=1e-9)
    # row orthogonality: <chi_i, chi_j> = (1/M) sum_g chi_i(g) conj(chi_j(g)) = delta_ij
    np.testing.assert_allclose(chi @ chi.conj().T / M, np.eye(len(irs)), atol=1e-9)
    # column orthogonality: sum_k chi_k(g) conj(chi_k(h)) = |centraliser(g)| if g ~ h, else 0
    same_class = np.zeros((M, M))
    for c in conjugacy_classes(g):
        same_class[np.ix_(c, c)] = M / len(c)
    np.testing.assert_allclose(chi.T @ chi.conj(), same_class, atol=1e-8)
    # characters are class functions and the conjugate of an irrep is an irrep
    for ir in irs:
        assert np.allclose(irs[ir.conjugate].character, ir.character.conj(), atol=1e-9)
        assert (ir.kind == "complex") == (ir.conjugate != ir.index)


@pytest.mark.parametrize("g", GROUPS, ids=lambda g: g.name)
def test_isotypic_projectors(g):
    M = g.order
    real = g.real_irreps()
    Ps = [ir.projector for ir in real]
    np.testing.assert_allclose(sum(Ps), np.eye(M), atol=1e-9)
    assert sum(ir.real_dim for ir in real) == M
    # left regular representation: R_h e_x = e_{hx}
    R = [np.eye(M)[:, g.table[h]] for h in range(min(M, 6))]
    for i, (ir, P) in enumerate(zip(real, Ps)):
        np.testing.assert_allclose(P, P.T, atol=1e-10)
        np.testing.assert_allclose(P @ P, P, atol=1e-9)
        assert round(np.trace(P)) == ir.real_dim
        for Q in Ps[i + 1:]:
            np.testing.assert_allclose(P @ Q, 0, atol=1e-9)
        for Rh in R:  # the isotypic subspace is invariant: P commutes with the action
            np.testing.assert_allclose(Rh @ P, P @ Rh, atol=1e-9)


@pytest.mark.parametrize("g", GROUPS, ids=lambda g: g.name)
def test_frobenius_schur_counts_square_roots(g):
    """sum_k nu_k d_k = #{g : g^2 = 1} (nu = 1, 0, -1 for real, complex, quaternionic): a check
    of the kinds that only counts involutions in the table."""
    nu = {"real": 1, "complex": 0, "quaternionic": -1}
    involutions = int((g.table[np.arange(g.order), np.arange(g.order)] == g.identity).sum())
    assert sum(nu[ir.kind] * ir.dim for ir in g.irreps()) == involutions
    for ir in g.irreps():
        if ir.kind == "quaternionic":
            assert ir.dim % 2 == 0 and np.allclose(ir.character.imag, 0)


def test_s3_character_table():
    g = symmetric(3)
    e, transposition, three_cycle = g.labels.index("012"), g.labels.index("102"), g.labels.index("120")
    table = np.array([[ir.character[x].real for x in (e, transposition, three_cycle)] for ir in g.irreps()])
    np.testing.assert_allclose(table, [[1, 1, 1], [1, -1, 1], [2, 0, -1]], atol=1e-12)


def test_cyclic_irreps_are_fourier_frequencies_in_order():
    M = 71
    g = cyclic(M)
    m = np.arange(M)
    for k, ir in enumerate(g.real_irreps()):
        # frequency k: the character at the generator 1 is exp(+-2 pi i k / M)
        assert np.isclose(abs(np.angle(ir.character[1])), 2 * np.pi * k / M)
        wave = np.cos(2 * np.pi * k * m / M + 0.3)
        np.testing.assert_allclose(ir.projector @ wave, wave, atol=1e-10)
    assert len(g.real_irreps()) == 36
    even = cyclic(8).real_irreps()[-1]
    np.testing.assert_allclose(even.projector @ (-1.0) ** np.arange(8), (-1.0) ** np.arange(8), atol=1e-12)


def test_conjugacy_classes_of_s4():
    sizes = sorted(len(c) for c in conjugacy_classes(symmetric(4)))
    assert sizes == [1, 3, 6, 6, 8]
    assert conjugacy_classes(symmetric(4))[0].tolist() == [0]


def test_irreps_are_cached():
    g = dihedral(3)
    assert g.irreps() is g.irreps()

"""The group constructors produce groups, with the textbook facts about each family."""

import itertools

import numpy as np
import pytest

from li2lib import groups
from li2lib.groups import alternating, cyclic, dicyclic, dihedral, from_table, parse_group, product, quaternion, symmetric

ALL = [
    cyclic(1),
    cyclic(7),
    cyclic(12),
    product(4, 6),
    product(2, 2, 3),
    product(dihedral(3), 2),
    dihedral(1),
    dihedral(4),
    dihedral(5),
    symmetric(1),
    symmetric(3),
    symmetric(4),
    alternating(4),
    alternating(5),
    quaternion(),
    dicyclic(2),
    dicyclic(3),
    dicyclic(6),
]


def assert_group_axioms(g):
    t, m = g.table, g.order
    assert t.shape == (m, m)
    assert ((t >= 0) & (t < m)).all(), "closure"
    e = g.identity
    assert (t[e] == np.arange(m)).all() and (t[:, e] == np.arange(m)).all(), "identity"
    inv = g.inverse
    assert (t[np.arange(m), inv] == e).all() and (t[inv, np.arange(m)] == e).all(), "inverses"
    # associativity over all triples
    assert (t[t[:, :, None], np.arange(m)[None, None, :]] == t[np.arange(m)[:, None, None], t[None, :, :]]).all()


@pytest.mark.parametrize("g", ALL, ids=lambda g: g.name)
def test_constructors_satisfy_group_axioms(g):
    assert_group_axioms(g)
    assert len(g.labels) == g.order
    assert len(set(g.labels)) == g.order
    # from_table accepts every table we build, and agrees on identity and inverses
    h = from_table(g.table)
    assert h.identity == g.identity and (h.inverse == g.inverse).all()


@pytest.mark.parametrize(
    "g, order, abelian",
    [
        (cyclic(71), 71, True),
        (product(4, 6), 24, True),
        (dihedral(5), 10, False),
        (dihedral(2), 4, True),  # the Klein four-group
        (symmetric(3), 6, False),
        (symmetric(4), 24, False),
        (alternating(4), 12, False),
        (alternating(3), 3, True),
        (quaternion(), 8, False),
        (dicyclic(3), 12, False),
        (dicyclic(5), 20, False),
    ],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_orders_and_commutativity(g, order, abelian):
    assert g.order == order
    assert g.is_abelian == abelian


def element_orders(g):
    out = []
    for a in range(g.order):
        x, k = a, 1
        while x != g.identity:
            x, k = g.table[x, a], k + 1
        out.append(k)
    return sorted(out)


def test_element_orders_match_textbook():
    # D_5: identity, 4 rotations of order 5, 5 reflections of order 2
    assert element_orders(dihedral(5)) == [1] + [2] * 5 + [5] * 4
    # S_4: 1 identity, 9 of order 2 (6 transpositions + 3 double transpositions), 8 of order 3, 6 of order 4
    assert element_orders(symmetric(4)) == [1] + [2] * 9 + [3] * 8 + [4] * 6
    # Z_4 x Z_6 has exponent lcm(4, 6) = 12 and no element of order 24 (it is not cyclic)
    assert max(element_orders(product(4, 6))) == 12
    # Q_8: 1 and -1, then six elements of order 4 (+-i, +-j, +-k)
    assert element_orders(quaternion()) == [1, 2] + [4] * 6
    # Dic_3: a of order 6 gives 1, 2 (a^3), 3 (a^2, a^4), 6 (a, a^5); the six a^k x have order 4
    assert element_orders(dicyclic(3)) == [1, 2, 3, 3] + [4] * 6 + [6, 6]


def test_cyclic_is_addition_mod_n():
    g = cyclic(9)
    a, b = np.meshgrid(np.arange(9), np.arange(9), indexing="ij")
    assert (g.table == (a + b) % 9).all()
    assert (g.inverse == (-np.arange(9)) % 9).all()


def test_symmetric_composes_as_functions():
    g = symmetric(4)
    perms = [tuple(int(c) for c in label) for label in g.labels]
    assert perms == sorted(itertools.permutations(range(4)))
    for a, b in [(3, 17), (5, 5), (23, 1)]:
        composed = tuple(perms[a][perms[b][i]] for i in range(4))
        assert perms[g.table[a, b]] == composed


def test_dihedral_relations():
    n = 6
    g = dihedral(n)
    r, s = 1, n  # r = rotation by one step, s = reflection
    power = g.identity
    for _ in range(n):
        power = g.table[power, r]
    assert power == g.identity  # r^n = 1
    assert g.table[s, s] == g.identity  # s^2 = 1
    assert g.table[g.table[s, r], s] == g.inverse[r]  # s r s = r^-1


def hamilton(p, q):
    """The Hamilton product of quaternions given as (w, x, y, z)."""
    w1, x1, y1, z1 = p
    w2, x2, y2, z2 = q
    return (w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2)


def test_quaternion_group_is_hamiltons():
    g = quaternion()
    unit = {"1": (1, 0, 0, 0), "i": (0, 1, 0, 0), "j": (0, 0, 1, 0), "k": (0, 0, 0, 1)}
    vec = [tuple(-c for c in unit[l[1:]]) if l.startswith("-") else unit[l] for l in g.labels]
    for a in range(8):
        for b in range(8):
            assert vec[g.table[a, b]] == hamilton(vec[a], vec[b])
    assert g.labels[g.identity] == "1" and g.name == "Q_8"
    np.testing.assert_array_equal(g.table, dicyclic(2).table)


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_dicyclic_matches_its_matrix_representation(n):
    """a = diag(zeta, 1/zeta) with zeta = exp(i pi / n) and x = [[0, -1], [1, 0]] generate Dic_n
    faithfully (x^2 = -1 = a^n, x a x^-1 = a^-1); the table must be their multiplication."""
    g = dicyclic(n)
    zeta = np.exp(1j * np.pi / n)
    a, x = np.diag([zeta, 1 / zeta]), np.array([[0, -1], [1, 0]])
    mats = [np.linalg.matrix_power(a, k) @ np.linalg.matrix_power(x, f) for f in (0, 1) for k in range(2 * n)]
    flat = np.array([m.ravel() for m in mats])
    assert np.abs(flat[:, None] - flat[None]).sum(axis=2)[~np.eye(4 * n, dtype=bool)].min() > 1e-6, "faithful"
    for i in range(4 * n):
        for j in range(4 * n):
            np.testing.assert_allclose(mats[i] @ mats[j], mats[g.table[i, j]], atol=1e-12)
    assert g.labels[:2] == ["e", "a1"] and g.labels[2 * n] == "x"


def test_dicyclic_rejects_n_below_2():
    with pytest.raises(ValueError, match=r"n must be an integer >= 2 \(Dic_1 would be Z_4\), got 1"):
        dicyclic(1)


def test_product_is_componentwise():
    g = product(4, 6)
    for a, b in [(0, 7), (13, 22), (23, 23)]:
        (a1, a2), (b1, b2) = divmod(a, 6), divmod(b, 6)
        assert g.table[a, b] == ((a1 + b1) % 4) * 6 + (a2 + b2) % 6
    assert product(5).name == "Z_5"


def test_from_table_reports_the_failing_axiom():
    t = cyclic(4).table.copy()
    t[1, 2] = 9
    with pytest.raises(ValueError, match=r"closure fails: table\[1, 2\] = 9"):
        from_table(t)
    # x*y = y: every element is a left identity, none is a right identity
    with pytest.raises(ValueError, match="identity fails"):
        from_table(np.tile(np.arange(3), (3, 1)))
    with pytest.raises(ValueError, match="identity fails"):
        from_table(np.zeros((3, 3), dtype=int))
    # a Latin square with identity that is not associative (the smallest loop, order 5)
    loop = np.array(
        [[0, 1, 2, 3, 4], [1, 0, 3, 4, 2], [2, 4, 0, 1, 3], [3, 2, 4, 0, 1], [4, 3, 1, 2, 0]]
    )
    with pytest.raises(ValueError, match="associativity fails"):
        from_table(loop)
    # identity present but element 1 has no inverse
    no_inv = np.array([[0, 1, 2], [1, 1, 1], [2, 1, 0]])
    with pytest.raises(ValueError, match="inverses fail: element 1"):
        from_table(no_inv)
    with pytest.raises(ValueError, match="square"):
        from_table(np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match="integer"):
        from_table(np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="labels"):
        from_table(cyclic(3).table, labels=["a", "b"])


@pytest.mark.parametrize("make", [cyclic, dihedral, symmetric, alternating, dicyclic])
@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "5"])
def test_bad_sizes_raise(make, bad):
    with pytest.raises(ValueError, match=r"n must be an integer >= 1"):
        make(bad)


def test_bad_product_factors_raise():
    with pytest.raises(ValueError, match="at least one factor"):
        product()
    with pytest.raises(ValueError, match=r"factor 1 must be an integer >= 1, got 0"):
        product(3, 0)
    with pytest.raises(ValueError, match="at most 7"):
        symmetric(8)


def test_tables_are_read_only():
    g = cyclic(5)
    with pytest.raises(ValueError):
        g.table[0, 0] = 3
    assert groups.Group(g.table, "copy").order == 5


def test_groups_by_name():
    for group in (cyclic(12), dihedral(5), dicyclic(3), quaternion(), symmetric(3), alternating(4), product(4, 7),
                  product(dihedral(3), 2)):
        parsed = parse_group(group.name)
        assert parsed.name == group.name and (parsed.table == group.table).all()
    assert parse_group(23).name == "Z_23"
    with pytest.raises(ValueError, match=r"group must be an int M or a name such as .*got 'Z23'"):
        parse_group("Z23")

"""Non-group tasks: Latin squares, random tables, the group-isotope test, training on them."""

import numpy as np
import pytest

import li2lib
from li2lib.groups.tables import Table, is_group_isotope, is_latin_square, random_latin_square, random_table


def test_random_latin_squares_are_latin_and_mostly_not_groups():
    squares = [random_latin_square(n, seed) for n in (7, 11, 23) for seed in range(3)]
    assert all(is_latin_square(s.table) for s in squares)
    assert not any(is_group_isotope(s.table) for s in squares)
    assert random_latin_square(9, 1).table.tolist() == random_latin_square(9, 1).table.tolist()


def test_group_isotope_test_accepts_relabelled_groups():
    """Any group's table with rows, columns and symbols permuted independently passes;
    the non-group Latin square of order 5 (there is one isotopy class besides Z_5) fails."""
    rng = np.random.default_rng(0)
    for g in (li2lib.cyclic(9), li2lib.dihedral(4), li2lib.symmetric(3), li2lib.product(2, 2, 3)):
        rows, cols, syms = (rng.permutation(g.order) for _ in range(3))
        assert is_group_isotope(syms[g.table[rows][:, cols]])
    not_a_group = np.array([[0, 1, 2, 3, 4], [1, 0, 3, 4, 2], [2, 4, 0, 1, 3], [3, 2, 4, 0, 1], [4, 3, 1, 2, 0]])
    assert is_latin_square(not_a_group) and not is_group_isotope(not_a_group)
    with pytest.raises(ValueError, match="must be a Latin square"):
        is_group_isotope(np.zeros((3, 3), dtype=int))


def test_tables_train_like_groups():
    t = random_table(7, seed=2)
    assert not is_latin_square(t.table) and t.identity is None
    with pytest.raises(ValueError, match="is not a group"):
        t.irreps()
    res = li2lib.train(t, hidden=32, epochs=60, lr=1e-2, train_fraction=0.8, progress=False, device="cpu")
    assert res.history["train_acc"][-1] == 1.0 and res.group is t
    with pytest.raises(ValueError, match="table must be a square"):
        Table(np.zeros((2, 3), dtype=int), "bad")
    with pytest.raises(ValueError, match=r"entries must be integers in \[0, 2\]"):
        Table(np.full((3, 3), 3), "bad")

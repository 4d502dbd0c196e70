"""tools/textlab/dro.py, round 9's screen of a group-robust (group DRO style) fit (not in the firmware)."""
import sys
from pathlib import Path

import numpy as np
from scipy import sparse

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "textlab"))

import dro  # noqa: E402
import loso  # noqa: E402


def test_row_loss_is_the_logistic_loss_of_the_right_sign():
    got = dro.row_loss(np.array([0.0, 2.0, 2.0]), np.array([1, 1, 0]))
    assert np.round(got, 4).tolist() == [0.6931, 0.1269, 2.1269]


def test_unit_shares_move_towards_the_worse_served_unit_inside_each_label():
    y = np.array([0, 0, 0, 1, 1])
    unit = np.array(["a", "b", "b", "c", "d"])
    w = np.array([1.0, 0.5, 0.5, 1.0, 1.0])
    loss = np.array([0.0, np.log(3.0), np.log(3.0), np.log(2.0), 0.0])
    got = dro.reweight(w, y, unit, loss, 1.0)
    # label 0: shares 1 : 1 become 1 : 3 (total 2 kept); label 1: 1 : 1 become 2 : 1 (total 2 kept)
    assert np.round(got, 6).tolist() == [0.5, 0.75, 0.75, 1.333333, 0.666667]


def test_eta_zero_keeps_the_weights():
    y = np.array([0, 0, 1])
    unit = np.array(["a", "b", "c"])
    w = np.array([2.0, 1.0, 3.0])
    assert dro.reweight(w, y, unit, np.array([5.0, 0.0, 1.0]), 0.0).tolist() == [2.0, 1.0, 3.0]


def test_row_reweighting_stays_inside_the_unit_share():
    y = np.array([0, 0, 1, 1])
    unit = np.array(["a", "a", "c", "c"])
    loss = np.array([0.0, np.log(3.0), 0.0, 0.0])
    got = dro.reweight(np.ones(4), y, unit, loss, 0.0, eta_rows=1.0)
    assert np.round(got, 6).tolist() == [0.5, 1.5, 1.0, 1.0]


def test_dro_fit_with_no_steps_is_the_plain_fit_and_applies_the_floor():
    rng = np.random.RandomState(0)
    d0 = rng.poisson(1.0, size=(40, 6)).astype(np.float64)
    d0[20:, 0] += 3
    X0 = sparse.csr_matrix(d0)
    y = np.array([0] * 20 + [1] * 20)
    flag = np.zeros(40)
    flag[0] = 1.0
    X = sparse.hstack([X0, sparse.csr_matrix(flag[:, None])]).tocsr()
    unit = np.array(["a"] * 10 + ["b"] * 10 + ["c"] * 20)
    d = dro.DRO(0.0, 0, 5.0)
    w = d.weights(y, unit)
    plain = loso.fit(X0, y, 1.0, weights=w).decision_function(X0)
    got = d.fit(X, y, 1.0, weights=w).decision_function(X)
    assert np.allclose(got[1:], plain[1:])
    assert got[0] == max(plain[0], 5.0)
    assert d.log[-1] == {"a": 0.5, "b": 0.5, "c": 1.0}

"""The REINFORCE demo: the cart-pole follows the standard dynamics, returns are discounted sums, and with
the full settings the policy solves the task (an average of 195 steps over 100 episodes)."""
import math

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from demos import reinforce


def test_cart_pole_step_matches_the_equations_of_motion():
    env = reinforce.CartPole(np.random.default_rng(0))
    env.state = np.array([0.0, 0.0, 0.1, 0.0])
    state, failed = env.step(1)
    # theta_acc = (g sin - cos * temp) / (l (4/3 - m_p cos^2 / M)), temp = F / M at rest
    temp = 10.0 / 1.1
    theta_acc = (9.8 * math.sin(0.1) - math.cos(0.1) * temp) / (0.5 * (4 / 3 - 0.1 * math.cos(0.1) ** 2 / 1.1))
    x_acc = temp - 0.05 * theta_acc * math.cos(0.1) / 1.1
    assert state == pytest.approx([0.0, 0.02 * x_acc, 0.1, 0.02 * theta_acc]) and not failed


def test_an_unpushed_pole_falls_and_ends_the_episode():
    env = reinforce.CartPole(np.random.default_rng(0))
    env.reset()
    steps, failed = 0, False
    while not failed:
        _, failed = env.step(steps % 2)   # alternating pushes cannot hold it for long
        steps += 1
        assert steps < reinforce.MAX_STEPS
    assert abs(env.state[2]) > env.angle_limit or abs(env.state[0]) > env.x_limit


def test_returns_to_go_are_discounted_sums():
    assert reinforce.returns_to_go(3, 0.5) == pytest.approx([1.75, 1.5, 1.0])


def test_quick_run_records_its_curve():
    run = reinforce.train(episodes=5)
    assert len(run.lengths) == len(run.averages) == 5 and all(1 <= n <= reinforce.MAX_STEPS for n in run.lengths)


@pytest.mark.slow
def test_full_settings_solve_cart_pole():
    run = reinforce.train()
    assert run.solved_at is not None and run.averages[run.solved_at] >= reinforce.SOLVED
    assert np.mean(run.lengths[:20]) < 50          # it starts near the random policy's ~22 steps

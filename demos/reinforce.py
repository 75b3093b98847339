"""REINFORCE with a baseline balances a pole on a cart: policy gradients with ``distributions.Categorical``.

The notes mention reinforcement learning: an agent acts, the world answers with a reward, and the agent
learns to act so that the rewards add up. Cart-pole is the classic first task (Barto, Sutton and Anderson,
1983): a cart on a track carries a pole on a hinge; each step the agent pushes the cart left or right with
a fixed force, earns 1 for every step the pole stays within 12 degrees of upright and the cart within 2.4
units of the centre, and the episode ends when either fails, or after 200 steps. A random policy lasts
about 22 steps; the task counts as solved at an average of 195 over 100 consecutive episodes.

The policy is a small network from the 4 numbers of the state (position, velocity, angle, angular velocity)
to two logits, read as a ``Categorical`` distribution over the two pushes. REINFORCE (Williams, 1992)
samples whole episodes and raises the log-probability of each action in proportion to the return that
followed it: the gradient of ``-sum_t log pi(a_t | s_t) * (G_t - b(s_t))``. The baseline ``b`` is a second
network, trained to predict the return G_t from the state; subtracting it leaves the gradient's expectation
unchanged and cuts its variance, which is what makes plain REINFORCE usable. An entropy bonus keeps the
policy from committing too early. The simulation is the standard one, in NumPy (Euler steps of 0.02 s).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import microtensor as mt
from demos.common import headline, new_figure, progress, save_figure
from microtensor import nn, optim
from microtensor.distributions import Categorical

PICTURES = ("learning_curve.png",)  # what main() writes into its folder

MAX_STEPS = 200                 # an episode's length limit (CartPole-v0)
SOLVED = 195.0                  # the average over 100 consecutive episodes that counts as solved
WINDOW = 100


class CartPole:
    """The cart-pole system with CartPole-v0's constants, dynamics and limits."""
    gravity, cart_mass, pole_mass, half_length, force, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    x_limit, angle_limit = 2.4, 12 * 2 * math.pi / 360

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.state = np.zeros(4)

    def reset(self) -> np.ndarray:
        """Start an episode near upright: every state variable uniform in [-0.05, 0.05]."""
        self.state = self.rng.uniform(-0.05, 0.05, 4)
        return self.state.copy()

    def step(self, action: int) -> tuple[np.ndarray, bool]:
        """Push left (0) or right (1) for one time step; return the new state and whether the episode failed."""
        x, x_dot, theta, theta_dot = self.state
        force = self.force if action == 1 else -self.force
        total_mass = self.cart_mass + self.pole_mass
        pole_moment = self.pole_mass * self.half_length
        cos, sin = math.cos(theta), math.sin(theta)
        temp = (force + pole_moment * theta_dot ** 2 * sin) / total_mass
        theta_acc = (self.gravity * sin - cos * temp) / (
            self.half_length * (4.0 / 3.0 - self.pole_mass * cos ** 2 / total_mass))
        x_acc = temp - pole_moment * theta_acc * cos / total_mass
        self.state = np.array([x + self.tau * x_dot, x_dot + self.tau * x_acc,
                               theta + self.tau * theta_dot, theta_dot + self.tau * theta_acc])
        failed = abs(self.state[0]) > self.x_limit or abs(self.state[2]) > self.angle_limit
        return self.state.copy(), bool(failed)


def returns_to_go(rewards: int, gamma: float) -> np.ndarray:
    """The discounted return after each of ``rewards`` steps of reward 1: G_t = sum_k gamma^k."""
    out = np.empty(rewards)
    running = 0.0
    for t in range(rewards - 1, -1, -1):
        running = 1.0 + gamma * running
        out[t] = running
    return out


@dataclass
class Run:
    """A training run: each episode's length, and the running average over the last ``WINDOW``."""
    lengths: list[int] = field(default_factory=list)
    averages: list[float] = field(default_factory=list)

    @property
    def solved_at(self) -> int | None:
        """The first episode whose window average reaches ``SOLVED`` (None if none does)."""
        return next((i for i, a in enumerate(self.averages) if a >= SOLVED and i + 1 >= WINDOW), None)


def train(episodes: int = 800, seed: int = 0, gamma: float = 0.99, entropy_weight: float = 0.01,
          stop_when_solved: bool = True) -> Run:
    """Train the policy and its baseline for up to ``episodes`` episodes; return the learning curve."""
    mt.manual_seed(seed)
    env = CartPole(np.random.default_rng(seed))
    policy = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 2))
    baseline = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1))
    policy_opt = optim.Adam(policy.parameters(), lr=1e-2)
    baseline_opt = optim.Adam(baseline.parameters(), lr=1e-2)
    run = Run()
    for _ in progress(range(episodes), "episodes"):
        states, actions = [env.reset()], []
        with mt.no_grad():                      # act: one state at a time, no graph
            for _ in range(MAX_STEPS):
                action = int(Categorical(logits=policy(mt.tensor(states[-1], dtype=mt.float32))).sample())
                actions.append(action)
                state, failed = env.step(action)
                if failed or len(actions) == MAX_STEPS:
                    break
                states.append(state)
        # learn: the whole episode in one batch
        s = mt.tensor(np.stack(states), dtype=mt.float32)
        g = mt.tensor(returns_to_go(len(actions), gamma), dtype=mt.float32)
        value = baseline(s).squeeze(1)
        advantage = g - value.detach()
        advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8) if len(actions) > 1 else advantage
        dist = Categorical(logits=policy(s))
        policy_loss = -(dist.log_prob(mt.tensor(actions)) * advantage).mean() - entropy_weight * dist.entropy().mean()
        policy_opt.zero_grad()
        policy_loss.backward()
        policy_opt.step()
        baseline_opt.zero_grad()
        ((value - g) ** 2).mean().backward()
        baseline_opt.step()
        run.lengths.append(len(actions))
        run.averages.append(float(np.mean(run.lengths[-WINDOW:])))
        if stop_when_solved and run.solved_at is not None:
            break
    return run


def plot(run: Run, path: Path) -> Path:
    """The episode lengths and their running average, with the solved line."""
    fig, ax = new_figure(width=7, height=4)
    ax.plot(run.lengths, color="0.7", lw=0.8, label="episode length")
    ax.plot(run.averages, color="C0", lw=2, label=f"average of the last {WINDOW}")
    ax.axhline(SOLVED, color="C3", ls="--", lw=1, label=f"solved ({SOLVED:.0f})")
    ax.set_xlabel("episode")
    ax.set_ylabel("steps balanced")
    ax.set_title("REINFORCE with a baseline on cart-pole")
    ax.legend(loc="lower right")
    return save_figure(fig, path)


def main(out: Path, quick: bool = False) -> None:
    """Train (a few episodes with ``quick``), print when it was solved, and draw the learning curve."""
    run = train(episodes=20 if quick else 800)
    headline("episodes run", len(run.lengths))
    headline("average length, last 100 episodes", f"{run.averages[-1]:.1f} (random policy: about 22)")
    headline("solved at episode", run.solved_at if run.solved_at is not None else "not solved")
    plot(run, out / PICTURES[0])

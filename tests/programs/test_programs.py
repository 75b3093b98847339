"""Foreign programs: short scripts written as public PyTorch examples are, run once with PyTorch and once with
microtensor from the same initial weights and data; their loss trajectories must agree. Without PyTorch each one
still runs on microtensor alone and must learn.

The tolerance is rtol=1e-5 on every reported loss. Both libraries compute in float32 and differ only in summation
order (BLAS kernels, reductions), about 1e-7 relative per operation; over these few steps the trajectories stay
within 3e-7 of each other (measured). 1e-5 leaves a 30x margin for other BLAS builds and is still far below what a
semantic difference gives (a learning rate off by one schedule step, a parameter group missing its weight decay,
a mean where the script asked for a sum all move the losses by 1e-3 or more).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import char_gpt
import dcgan
import gcn
import mnist_cnn
import numpy as np
import pytest
import vae
import word_language_model
from harness import assert_same_trajectory, own_trajectory, torch_initial_weights, trajectories
from helpers import requires_torch

import microtensor as mt

RTOL = 1e-5


@dataclass
class Case:
    """One program run: its module, how many steps, its options and which loss shows that it learned."""
    program: ModuleType
    steps: int
    options: dict[str, Any] = field(default_factory=dict)         # passed to run
    build_options: dict[str, Any] = field(default_factory=dict)   # passed to build when PyTorch makes the weights
    learned_at: int = -1       # the loss that must be below the first one: the last, or an earlier training loss


CASES = {
    # 3 epochs of [train, train, test]: the last training loss is the second from the end
    "mnist_cnn_adadelta_steplr": Case(mnist_cnn, 3, learned_at=-2),
    "word_lm_lstm": Case(word_language_model, 8, {"model": "LSTM"}, {"model": "LSTM"}),
    "word_lm_transformer": Case(word_language_model, 8, {"model": "Transformer"}, {"model": "Transformer"}),
    # [errD, errG] per batch: the discriminator's loss must fall
    "dcgan": Case(dcgan, 6, learned_at=-2),
    "vae": Case(vae, 6),
    "vae_legacy_size_average": Case(vae, 6, {"legacy": True}),
    "char_gpt_adamw_cosine": Case(char_gpt, 12),
    "char_gpt_flash_sdpa": Case(char_gpt, 12, {"flash": True}, {"flash": True}),
    "gcn_sparse_adjacency": Case(gcn, 10),
}


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_program_follows_torch_loss_trajectory(name):
    case = CASES[name]
    theirs, ours = trajectories(case.program, case.steps, build_options=case.build_options, **case.options)
    assert_same_trajectory(theirs, ours, rtol=RTOL)


@pytest.mark.parametrize("name", CASES)
def test_program_learns_with_microtensor_alone(name):
    case = CASES[name]
    losses = own_trajectory(case.program, case.steps, **case.options)
    assert all(math.isfinite(loss) for loss in losses), losses
    assert losses[case.learned_at] < losses[0], losses


def test_vae_legacy_size_average_false_is_the_sum():
    """``size_average=False`` is ``reduction='sum'``: the legacy script and the modern one report the same losses
    (a library that ignored the legacy argument would report per-pixel means, ~10^3 times smaller)."""
    assert own_trajectory(vae, 4, legacy=True) == own_trajectory(vae, 4, legacy=False)


@requires_torch
def test_gpt_greedy_generation_matches_torch():
    """``generate(top_k=1)`` keeps one token per step, so ``multinomial`` has one choice and the two libraries'
    different random streams cannot matter: the generated ids must be equal."""
    import torch

    data = char_gpt.make_data(np.random.default_rng(0))
    weights = torch_initial_weights(char_gpt)
    _, theirs = char_gpt.sample(torch, 6, data, weights, max_new_tokens=10, top_k=1)
    _, ours = char_gpt.sample(mt, 6, data, weights, max_new_tokens=10, top_k=1)
    assert ours == theirs


@pytest.mark.parametrize("top_k", [1, 3])
def test_gpt_top_k_sampling_draws_only_from_the_top_k(top_k):
    """Each generated token is one of the ``top_k`` likeliest after its prefix (the argmax for top_k=1); the
    prompts are kept and the ids are in the vocabulary."""
    mt.manual_seed(0)
    data = char_gpt.make_data(np.random.default_rng(0))
    model, outputs = char_gpt.sample(mt, 6, data, None, max_new_tokens=10, top_k=top_k)
    stoi, itos = char_gpt.vocabulary()
    for prompt, ids in zip(("First", "All: "), outputs):
        assert len(ids) == len(prompt) + 10 and ids[:len(prompt)] == [stoi[c] for c in prompt]
        assert all(0 <= i < len(itos) for i in ids)
        with mt.no_grad():
            for pos in range(len(prompt), len(ids)):
                context = mt.tensor([ids[max(0, pos - char_gpt.BLOCK_SIZE):pos]])
                logits, _ = model(context)
                assert ids[pos] in mt.topk(logits[0, -1], top_k).indices.tolist()

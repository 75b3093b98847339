"""Attention, as the notes describe it: a network that learns where to look, with an attention distribution
that weights its inputs; and the encoder-decoder (seq2seq) model that attention was first made for.

The toy task is to reverse a sequence of eight digits (3 1 4 1 5 9 2 6 -> 6 2 9 5 1 4 1 3). Every output
digit is a copy of one input digit, so a good model has to learn *where* to look, not what to compute, and
its attention weights can be read off directly: output position i should look at input position 7 - i,
an anti-diagonal.

1. A Transformer encoder: digit embeddings plus learned position embeddings, one ``nn.TransformerEncoderLayer``
   (self-attention with two heads, then a feed-forward network) and a classifier on every position. In the
   notes' words, each head's "attention kernel" scores every (query, key) pair and a softmax turns the
   scores into an attention distribution; the "attention pooling" is the average of the values under that
   distribution, one vector per position whatever the sequence length. One head is exactly
   ``F.scaled_dot_product_attention`` on the layer's query, key and value projections, which the demo
   checks.
2. A seq2seq model: a bidirectional GRU encoder reads the digits, a GRU decoder writes the reversal one digit
   at a time, starting from the encoder's final state. At every step the decoder's state asks a question
   (a query, a linear map of the state) and attention over the encoder's states answers with a context
   vector: the scores are scaled dot products of the query with every encoder state, their softmax is the
   attention distribution over the input positions, and the context is the encoder states' average under it
   (Luong et al.'s global attention, 2015). Training uses teacher forcing: the decoder is fed the true
   previous digit, so the whole target is decoded in one pass; at test time it is fed its own previous guess
   (greedy decoding), one step at a time. Without attention the encoder would have to squeeze all eight
   digits into its final state; with it, each step reads the one state it needs.

Both are trained with Adam on 4,096 random sequences and tested on 1,000 others, none of them seen in
training.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

import microtensor as mt
from demos.common import headline, new_figure, progress, save_figure
from demos.training import History, Split, accuracy, count_parameters, plot_curves, train_classifier
from microtensor import nn, optim
from microtensor.nn import functional as F
from microtensor.utils.data import DataLoader

PICTURES = ("training_curves.png", "transformer_attention.png", "seq2seq_attention.png")

LENGTH = 8         # digits per sequence
DIGITS = 10        # the symbols 0-9
START = DIGITS     # the decoder's "begin" token, fed before the first output digit


def reversal_split(n_train: int = 4096, n_test: int = 1000, seed: int = 0) -> Split:
    """Random digit sequences and their reversals: ``x`` ``(N, LENGTH)`` int64 and ``y = x.flip(1)``; no test
    sequence occurs in the training part.

    Args:
        n_train, n_test: the number of training and test sequences.
        seed: the seed of the draw.
    """
    rng = np.random.default_rng(seed)
    train = rng.integers(0, DIGITS, (n_train, LENGTH))
    seen = {row.tobytes() for row in train}
    test = np.array([row for row in rng.integers(0, DIGITS, (2 * n_test, LENGTH)) if row.tobytes() not in seen])
    x_train, x_test = mt.tensor(train), mt.tensor(test[:n_test])
    return Split(x_train, x_train.flip(1), x_test, x_test.flip(1))


def sequence_scores(model: nn.Module, x: mt.Tensor, y: mt.Tensor, forced: bool = False) -> tuple[float, float]:
    """``(token accuracy, sequence accuracy)`` of ``model``'s predictions for ``x`` ``(N, L)`` against ``y``
    ``(N, L)``: the fraction of digits right and the fraction of sequences with every digit right. The model
    maps ``x`` to logits ``(N, DIGITS, L)`` (in eval mode, as at test time); with ``forced``, a ``Seq2Seq``
    is fed the true previous digits (teacher forcing) instead of its own guesses."""
    model.eval()
    with mt.no_grad():
        right = (model(x, y) if forced else model(x)).argmax(dim=1) == y
    return right.float().mean().item(), right.all(dim=1).float().mean().item()


def mirror_attention(weights: mt.Tensor) -> float:
    """The mean attention weight that output position i gives to input position L - 1 - i (1 for a perfect
    anti-diagonal), for weights ``(..., L, L)`` (query positions x key positions)."""
    return weights.flip(-1).diagonal(dim1=-2, dim2=-1).mean().item()


# ----------------------------------------------------------------------------- 1. the Transformer encoder
class ReversalTransformer(nn.Module):
    """Digit and position embeddings, a stack of Transformer encoder layers, a classifier on every position.

    Args:
        d_model: the embedding size.
        nhead: the attention heads per layer.
        num_layers: the encoder layers.
        dim_feedforward: the hidden size of each layer's feed-forward network.
    """

    def __init__(self, d_model: int = 32, nhead: int = 2, num_layers: int = 1, dim_feedforward: int = 64) -> None:
        super().__init__()
        self.digits = nn.Embedding(DIGITS, d_model)
        self.positions = nn.Embedding(LENGTH, d_model)      # learned: one vector per position
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers)
        self.classifier = nn.Linear(d_model, DIGITS)

    def embed(self, x: mt.Tensor) -> mt.Tensor:
        """The encoder's input for digits ``x`` ``(N, L)``: digit plus position embeddings ``(N, L, d_model)``."""
        return self.digits(x) + self.positions(mt.arange(x.shape[1]))

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        """Logits ``(N, DIGITS, L)`` (classes on dim 1, as ``F.cross_entropy`` takes them) for digits ``(N, L)``."""
        return self.classifier(self.encoder(self.embed(x))).transpose(1, 2)

    def attention_maps(self, x: mt.Tensor) -> mt.Tensor:
        """Every layer's per-head attention weights for digits ``x`` ``(N, L)``: ``(N, layers, heads, L, L)``,
        row = the query (output) position, column = the key (input) position."""
        maps = []
        with mt.no_grad():
            h = self.embed(x)
            for layer in self.encoder.layers:
                a = layer.norm1(h) if layer.norm_first else h           # what the layer's self-attention sees
                maps.append(layer.self_attn(a, a, a, average_attn_weights=False)[1])
                h = layer(h)
        return mt.stack(maps, dim=1)


def attention_by_hand(attn: nn.MultiheadAttention, x: mt.Tensor) -> mt.Tensor:
    """``attn``'s self-attention output for ``x`` ``(N, L, E)`` (a ``batch_first`` module) recomputed from its
    weights: project to queries, keys and values, split the E features into heads, attend with
    ``F.scaled_dot_product_attention`` (``softmax(q k^T / sqrt(E / heads)) v``, per head), join the heads and
    apply the output projection. Returns ``(N, L, E)``."""
    n, length, embed = x.shape
    heads = attn.num_heads
    q, k, v = (part.reshape(n, length, heads, embed // heads).transpose(1, 2)         # (N, heads, L, E / heads)
               for part in F.linear(x, attn.in_proj_weight, attn.in_proj_bias).chunk(3, dim=-1))
    joined = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, length, embed)
    return attn.out_proj(joined)


def train_transformer(epochs: int = 2, n_train: int = 4096, lr: float = 3e-3, batch_size: int = 64,
                      seed: int = 0) -> tuple[ReversalTransformer, History, Split]:
    """Train a ``ReversalTransformer`` to reverse digit sequences with Adam and cross-entropy on every position.

    Args:
        epochs: passes over the training sequences.
        n_train: the number of training sequences (1,000 test sequences are held out).
        lr: Adam's step size.
        batch_size: sequences per step.
        seed: the seed of the data, the initial weights and the batch order.

    Returns:
        the model, its History (mean training loss and test token accuracy per epoch) and the data.
    """
    split = reversal_split(n_train, seed=seed)
    mt.manual_seed(seed)
    model = ReversalTransformer()
    history = train_classifier(model, split, optim.Adam(model.parameters(), lr=lr), epochs, batch_size,
                               seed=seed, desc="transformer epochs")
    return model, history, split


# ----------------------------------------------------------------------------- 2. seq2seq with attention
class Seq2Seq(nn.Module):
    """A bidirectional GRU encoder and a GRU decoder with dot-product attention over the encoder's states.

    Args:
        embed_dim: the size of the digit embeddings (the encoder's and the decoder's own).
        hidden: the GRUs' hidden size; the encoder's states have ``2 * hidden`` features (both directions).
    """

    def __init__(self, embed_dim: int = 16, hidden: int = 64) -> None:
        super().__init__()
        self.source_digits = nn.Embedding(DIGITS, embed_dim)
        self.encoder = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.target_digits = nn.Embedding(DIGITS + 1, embed_dim)      # the digits and START
        self.decoder = nn.GRU(embed_dim, hidden, batch_first=True)
        self.query = nn.Linear(hidden, 2 * hidden)                     # decoder state -> query
        self.classifier = nn.Linear(3 * hidden, DIGITS)                # [decoder state, context] -> digit

    def step(self, previous: mt.Tensor, state: mt.Tensor, memory: mt.Tensor) -> tuple[mt.Tensor, mt.Tensor,
                                                                                      mt.Tensor]:
        """Decode ``T`` steps given the digits fed in, ``previous`` ``(N, T)``.

        Args:
            previous: the digit before each output position (START before the first).
            state: the decoder's hidden state before the first of them ``(1, N, hidden)``.
            memory: the encoder's states ``(N, L, 2 * hidden)``, the keys and the values of the attention.

        Returns:
            logits ``(N, DIGITS, T)``, attention weights ``(N, T, L)`` (each row a distribution over the
            input positions) and the decoder's state after the last step ``(1, N, hidden)``.
        """
        states, state = self.decoder(self.target_digits(previous), state)
        scores = self.query(states) @ memory.transpose(1, 2) / math.sqrt(memory.shape[-1])
        weights = scores.softmax(dim=-1)
        context = weights @ memory
        logits = self.classifier(mt.cat([states, context], dim=2))
        return logits.transpose(1, 2), weights, state

    def translate(self, x: mt.Tensor, target: mt.Tensor | None = None) -> tuple[mt.Tensor, mt.Tensor]:
        """Encode digits ``x`` ``(N, L)`` and decode ``L`` output digits.

        Args:
            x: the input digits.
            target: with teacher forcing, the true output ``(N, L)``: step t is fed ``target[:, t - 1]`` and all
                steps run in one pass; when None, each step is fed the previous step's best guess (greedy).

        Returns:
            logits ``(N, DIGITS, L)`` and attention weights ``(N, L, L)`` (output step x input position).
        """
        memory, final = self.encoder(self.source_digits(x))
        state = final.sum(dim=0, keepdim=True)             # the two directions' final states -> (1, N, hidden)
        previous = mt.full((x.shape[0], 1), START, dtype=mt.int64)
        if target is not None:
            logits, weights, _ = self.step(mt.cat([previous, target[:, :-1]], dim=1), state, memory)
            return logits, weights
        steps = []
        for _ in range(x.shape[1]):
            logits, weights, state = self.step(previous, state, memory)
            previous = logits.argmax(dim=1)
            steps.append((logits, weights))
        return mt.cat([s[0] for s in steps], dim=2), mt.cat([s[1] for s in steps], dim=1)

    def forward(self, x: mt.Tensor, target: mt.Tensor | None = None) -> mt.Tensor:
        """The logits ``(N, DIGITS, L)`` of ``translate`` (teacher-forced when ``target`` is given)."""
        return self.translate(x, target)[0]


def train_seq2seq(epochs: int = 5, n_train: int = 4096, lr: float = 2e-2, batch_size: int = 64,
                  seed: int = 0) -> tuple[Seq2Seq, History, Split]:
    """Train a ``Seq2Seq`` model to reverse digit sequences with teacher forcing, Adam and cross-entropy; the
    step size follows the one-cycle policy (``OneCycleLR``: up to ``lr`` in the first 30% of the steps, then
    down to almost 0), which settles the greedy accuracy where a constant step size leaves it wobbling.

    Args:
        epochs: passes over the training sequences.
        n_train: the number of training sequences (1,000 test sequences are held out).
        lr: Adam's largest step size.
        batch_size: sequences per step.
        seed: the seed of the data, the initial weights and the batch order.

    Returns:
        the model, its History (mean teacher-forced training loss and greedy test token accuracy per epoch)
        and the data.
    """
    split = reversal_split(n_train, seed=seed)
    mt.manual_seed(seed)
    model = Seq2Seq()
    optimizer = optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader(split.train_set(), batch_size=batch_size, shuffle=True,
                        generator=mt.Generator().manual_seed(seed))
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, epochs=epochs, steps_per_epoch=len(loader))
    history = History()
    for _ in progress(range(epochs), desc="seq2seq epochs"):
        model.train()
        total = 0.0
        for x, y in loader:
            loss = F.cross_entropy(model(x, y), y)        # teacher forcing: the true digits are fed in
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(y)
        history.loss.append(total / len(split.y_train))
        history.accuracy.append(accuracy(model, split.x_test, split.y_test))     # greedy decoding
    return model, history, split


# ----------------------------------------------------------------------------- the demo
def digits_text(row: list[int]) -> str:
    """Digits as a string: ``[3, 1, 4]`` -> ``"3 1 4"``."""
    return " ".join(str(d) for d in row)


def plot_attention(ax: Any, weights: mt.Tensor, title: str, source: list[int] | None = None,
                   output: list[int] | None = None) -> None:
    """Draw attention ``weights`` ``(L_out, L_in)`` on ``ax``: a row per output position (the query), a column
    per input position (the key); the tick labels add the input and output digits when given."""
    image = ax.imshow(weights.numpy(), cmap="viridis", vmin=0, vmax=1)
    positions = range(weights.shape[1])
    ax.set_xticks(positions, positions if source is None else [f"{i}\n{d}" for i, d in enumerate(source)])
    ax.set_yticks(positions, positions if output is None else [f"{i}: {d}" for i, d in enumerate(output)])
    ax.set_xlabel("input position (key)" + ("" if source is None else " / digit"))
    ax.set_ylabel("output position (query)" + ("" if output is None else ": digit"))
    ax.set_title(title, fontsize=10)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)


def main(out: Path, quick: bool = False) -> None:
    """Train both models, print their held-out accuracies and some examples, check one attention layer against
    ``F.scaled_dot_product_attention``, and plot the training curves and both models' attention maps."""
    settings = {"n_train": 256, "epochs": 1} if quick else {}       # full: the training functions' defaults
    transformer, transformer_history, split = train_transformer(**settings)
    seq2seq, seq2seq_history, _ = train_seq2seq(**settings)         # the same seed: the same sequences
    models = {"Transformer encoder": transformer, "seq2seq + attention": seq2seq}
    histories = {"Transformer encoder": transformer_history, "seq2seq + attention": seq2seq_history}
    x_test, y_test = split.x_test, split.y_test
    print(f"Reversing {LENGTH} digits: {len(split.y_train)} training sequences, {len(y_test)} held-out test "
          "sequences")
    scores = {name: sequence_scores(model, x_test, y_test) for name, model in models.items()}
    print("  model                 parameters  epochs  token acc  sequence acc")
    for name, model in models.items():
        print(f"  {name:20s} {count_parameters(model):11d} {len(histories[name].loss):7d} "
              f"{scores[name][0]:10.1%} {scores[name][1]:13.1%}")
    forced = sequence_scores(seq2seq, x_test, y_test, forced=True)
    print(f"  seq2seq fed the true previous digits (teacher forcing, as in training): token acc {forced[0]:.1%}, "
          f"sequence acc {forced[1]:.1%}\n  (greedy decoding, above, feeds each guess back in: one wrong digit can "
          "throw the following ones off)")

    with mt.no_grad():                                        # both models are in eval mode now
        predicted = {name: model(x_test).argmax(dim=1) for name, model in models.items()}
    wrong = [i for i in range(len(y_test)) if any((p[i] != y_test[i]).any().item() for p in predicted.values())]
    shown = [0, 1, 2] + [i for i in wrong if i > 2][:3]
    print("  examples (x marks a wrong digit; the last ones are mistakes, if any):")
    for i in shown:
        print(f"    {digits_text(x_test[i].tolist())}  ->")
        for name, p in predicted.items():
            marks = " ".join(" " if a == b else "x" for a, b in zip(p[i].tolist(), y_test[i].tolist()))
            print(f"      {name:20s} {digits_text(p[i].tolist())}  {marks}")

    maps = transformer.attention_maps(x_test)[:, 0]           # the first layer: (N, heads, L, L)
    mirror = [mirror_attention(maps[:, h]) for h in range(maps.shape[1])]
    print("  Transformer, mean attention on the mirrored input position, per head: "
          + ", ".join(f"head {h} {m:.2f}" for h, m in enumerate(mirror)))
    attn = transformer.encoder.layers[0].self_attn
    with mt.no_grad():
        h = transformer.embed(x_test)
        gap = (attention_by_hand(attn, h) - attn(h, h, h)[0]).abs().max().item()
    print(f"  the layer's nn.MultiheadAttention vs F.scaled_dot_product_attention on its projections: largest "
          f"difference {gap:.1e}")
    with mt.no_grad():
        alignment = seq2seq.translate(x_test)[1]              # (N, L, L)
    seq2seq_mirror = mirror_attention(alignment)
    print(f"  seq2seq, mean attention on the mirrored input position: {seq2seq_mirror:.2f}")
    for name, (tokens, sequences) in scores.items():
        headline(f"{name} (held out)", f"token accuracy {tokens:.1%}, sequence accuracy {sequences:.1%}")
    headline("attention on the mirrored position", f"Transformer best head {max(mirror):.2f}, "
             f"seq2seq {seq2seq_mirror:.2f}")

    plot_curves(histories, out / "training_curves.png", loss_title="training loss (seq2seq: teacher-forced)")

    source = x_test[0].tolist()
    best = int(np.argmax(mirror))
    fig, axes = new_figure(1, len(mirror) + 1, width=4.2, height=4.0)
    for h, ax in enumerate(axes[:-1]):
        plot_attention(ax, maps[0, h], f"head {h}, one test sequence", source,
                       predicted["Transformer encoder"][0].tolist())
    plot_attention(axes[-1], maps[:, best].mean(dim=0), f"head {best}, mean over {len(y_test)} test sequences")
    fig.suptitle("Transformer encoder self-attention: reversal is the anti-diagonal")
    save_figure(fig, out / "transformer_attention.png")

    fig, (one, mean) = new_figure(1, 2, width=4.2, height=4.0)
    plot_attention(one, alignment[0], "one test sequence", source, predicted["seq2seq + attention"][0].tolist())
    plot_attention(mean, alignment.mean(dim=0), f"mean over {len(y_test)} test sequences")
    fig.suptitle("seq2seq: the decoder's attention over the encoder's states (greedy decoding)")
    save_figure(fig, out / "seq2seq_attention.png")

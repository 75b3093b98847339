"""Recurrent networks: why a plain RNN forgets, how the LSTM's and GRU's gates remember, and two LSTMs at work.

A recurrent network reads a sequence one step at a time and carries a hidden state from step to step. The
notes say the plain RNN's vanishing gradients are severe and that the LSTM adds a "forgetting system" to every
unit. Three experiments show what that means:

1. Long-range memory. Each sequence starts with one of 4 symbols, then ``gap`` distractor steps (random
   symbols of 4 other kinds) follow; at the end the network must name the first symbol (chance: 25%). An
   Elman RNN, an LSTM and a GRU, each with 16 hidden units, get the same training budget (Adam, the same
   steps and batches). The RNN's state passes through ``h_t = tanh(W x_t + U h_{t-1} + b)`` at every step,
   so the gradient that reaches the first symbol is a product of ``gap`` Jacobians ``diag(tanh') U``:
   it vanishes (or explodes) exponentially in ``gap``, and after 50 steps the RNN learns little or nothing
   about the first symbol. The LSTM's cell state is updated additively, ``c_t = f * c_{t-1} + i * g``: along
   that path the gradient is multiplied only by the forget gate ``f`` at each step, so with ``f`` near 1 it
   reaches step 0 almost undiminished (the "constant error carousel"; like a residual connection, the
   notes' third source says, it lets the gradient flow smoothly). The GRU's update gate ``z`` does the same
   with ``h_t = (1 - z) * n + z * h_{t-1}``.

   The gates only help when they start in the remembering position. With PyTorch's initialisation every
   bias is near 0, so every gate starts half open: ``f = 0.5`` halves the memory each step and, after 50
   steps, ``0.5^50`` of it is left, no better than the RNN. The demo therefore sets the gate biases before
   training (as Gers et al. and Jozefowicz et al. recommend for the forget gate): the LSTM's forget gate
   starts at ``sigmoid(5) = 0.993`` and its input gate at ``sigmoid(-4) = 0.018`` (the distractors would
   otherwise pile up in the cell and saturate its ``tanh``), the GRU's update gate at ``sigmoid(5)``.
   Strictly, the 1997 LSTM had no forget gate: its cell kept its value with a fixed self-weight of 1. The
   forget gate (Gers et al., 2000) was added so that a cell can also let go; a bias near +5 makes the
   modern LSTM start out like the original one. The full run also trains an LSTM with the default
   initialisation, which stays at chance. The plain RNN has no gate to set; nothing in its update lets it
   keep a value unchanged. Over seeds 0 to 11, at gap 50, the LSTM and the GRU reach 100% every time; the
   RNN ends at chance in ten of them and at 44% and 80% in the other two. At gap 10 it reaches 100% in
   eight of the twelve: its trouble is the distance.

2. Sine waves. An LSTM reads noisy sine waves of random frequency and phase (``mt.datasets.sine_waves``)
   and predicts every next value. After a few steps it has seen enough of a wave to know where it goes:
   its error falls well below that of repeating the current value, towards the noise floor (the variance
   of the noise, which no predictor can beat).

3. A character-level language model. An LSTM reads Shakespeare's Sonnet 18 (``mt.datasets.TINY_CORPUS``,
   621 characters) and learns to predict each next character; then it writes text, one sampled
   character at a time fed back as the next input, from a prompt. The temperature divides the scores
   before the softmax: low temperatures pick the likeliest characters (near-verbatim sonnet), high ones
   make it inventive and misspelt. On a corpus this small the model memorises; the loss measures that.

Note: the second source note says RNNs are "usually bidirectional" (some are; a model that must predict the
next character cannot look ahead) and that the GRU "separates the memory cell from the update unit"; it
does the opposite: it merges the LSTM's cell and hidden state into one state and its forget and input gates
into one update gate. And the LSTM's gates help with vanishing gradients, not exploding ones: those are
clipped (``nn.utils.clip_grad_norm_``, used in every training loop here).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import microtensor as mt
from demos.common import headline, new_figure, progress, save_figure
from demos.training import loss_and_gradients
from microtensor import datasets, nn, optim
from microtensor.nn import functional as F

PICTURES = ("memory_curves.png", "sine_prediction.png", "char_lstm.png")  # what main() writes into its folder

# ----------------------------------------------------------------------------- 1. long-range memory
SYMBOLS = 4                          # the first step holds one of these; the distractors are 4 other symbols
KINDS = ("RNN", "LSTM", "GRU")
GAPS = (10, 50)                      # distractor steps between the symbol and the question
FORGET_BIAS = 5.0                    # LSTM forget gate / GRU update gate start at sigmoid(5) = 0.993: keep
INPUT_BIAS = -4.0                    # LSTM input gate starts at sigmoid(-4) = 0.018: mostly shut


def memory_batch(n: int, gap: int, generator: mt.Generator | None = None) -> tuple[mt.Tensor, mt.Tensor]:
    """``n`` sequences of the memory task and their answers.

    Args:
        n: the number of sequences.
        gap: the number of distractor steps after the first one.
        generator: the source of the random symbols (the default generator when None).

    Returns:
        ``(x, y)``: x ``(n, gap + 1, 2 * SYMBOLS)`` one-hot float, the first step one of symbols
        ``0 .. SYMBOLS-1``, every later step one of the distractors ``SYMBOLS .. 2*SYMBOLS-1``;
        y ``(n,)`` int64, the first symbol.
    """
    first = mt.randint(0, SYMBOLS, (n, 1), generator=generator)
    distractors = mt.randint(SYMBOLS, 2 * SYMBOLS, (n, gap), generator=generator)
    return F.one_hot(mt.cat([first, distractors], dim=1), 2 * SYMBOLS).float(), first[:, 0]


def open_gates(layer: nn.RNN | nn.LSTM | nn.GRU, forget_bias: float = FORGET_BIAS,
               input_bias: float = INPUT_BIAS) -> None:
    """Start a one-layer LSTM or GRU in the remembering position, in place (a plain RNN has no gates).

    LSTM (gate rows i, f, g, o): the forget gate's bias is ``forget_bias`` and the input gate's
    ``input_bias``. GRU (rows r, z, n): the update gate's bias is ``forget_bias`` (``z`` near 1 keeps the
    old state). The bias is put in ``bias_ih``; the matching rows of ``bias_hh`` are zeroed (the gate sees
    their sum).
    """
    h = layer.hidden_size
    gates = {"LSTM": {1: forget_bias, 0: input_bias}, "GRU": {1: forget_bias}}.get(layer.mode, {})
    with mt.no_grad():
        for block, value in gates.items():
            layer.bias_ih_l0[block * h:(block + 1) * h] = value
            layer.bias_hh_l0[block * h:(block + 1) * h] = 0.0


class Recaller(nn.Module):
    """A recurrent layer and a linear read-out of its last hidden state: ``(N, L, 2*SYMBOLS)`` to
    ``(N, SYMBOLS)`` scores."""

    def __init__(self, kind: str, hidden: int) -> None:
        super().__init__()
        self.rnn = getattr(nn, kind)(2 * SYMBOLS, hidden, batch_first=True)
        self.head = nn.Linear(hidden, SYMBOLS)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        """The scores of the symbol the network recalls at the last step."""
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


@dataclass
class MemoryRun:
    """One training run on the memory task: the test accuracy after every ``steps[i]`` training steps."""
    label: str
    gap: int
    steps: list[int] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


def train_memory(kind: str, gap: int = 50, steps: int = 200, hidden: int = 16, batch_size: int = 32,
                 lr: float = 1e-2, seed: int = 0, gates_open: bool = True, eval_every: int = 25) -> MemoryRun:
    """Train a ``Recaller`` on fresh batches of the memory task with Adam and gradient clipping.

    Args:
        kind: ``"RNN"``, ``"LSTM"`` or ``"GRU"``.
        gap: the distractor steps between the symbol and the question.
        steps: training steps (one fresh batch each).
        hidden: hidden units of the recurrent layer.
        batch_size: sequences per step.
        lr: Adam's learning rate.
        seed: the seed of the start, the training batches and the 500 test sequences (the same for
            every kind, so they all see the same data).
        gates_open: set the gate biases with ``open_gates`` (LSTM and GRU); False keeps PyTorch's init.
        eval_every: steps between test-accuracy measurements.
    """
    mt.manual_seed(seed)
    data = mt.Generator().manual_seed(seed)
    x_test, y_test = memory_batch(500, gap, data)
    model = Recaller(kind, hidden)
    if gates_open:
        open_gates(model.rnn)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    run = MemoryRun(kind if gates_open or kind == "RNN" else f"{kind}, default init", gap)
    compute = mt.compile(loss_and_gradients)
    for step in progress(range(1, steps + 1), desc=f"memory, {run.label}, gap {gap}"):
        x, y = memory_batch(batch_size, gap, data)
        compute(model, optimizer, F.cross_entropy, x, y)
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % eval_every == 0 or step == steps:
            with mt.no_grad():
                run.accuracy.append((model(x_test).argmax(dim=1) == y_test).float().mean().item())
            run.steps.append(step)
    return run


# ----------------------------------------------------------------------------- 2. sine waves
WARMUP = 5                           # steps the network sees before its predictions are scored
NOISE = 0.05


class NextStep(nn.Module):
    """An LSTM and a linear read-out at every step: ``(N, L, 1)`` values to ``(N, L, 1)`` predictions of the
    next ones."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        """The predicted next value after every step."""
        out, _ = self.lstm(x)
        return self.head(out)


@dataclass
class SineRun:
    """The trained predictor, its training losses, the test inputs and targets, and the test MSE (from step
    ``WARMUP`` on) of the LSTM and of repeating the current value."""
    model: NextStep
    losses: list[float]
    x_test: mt.Tensor
    y_test: mt.Tensor
    mse: float
    repeat_mse: float


def scored_mse(prediction: mt.Tensor, target: mt.Tensor) -> mt.Tensor:
    """The mean squared error over the steps from ``WARMUP`` on; both ``(N, L, 1)``."""
    return F.mse_loss(prediction[:, WARMUP:], target[:, WARMUP:])


def train_sine(steps: int = 150, hidden: int = 16, batch_size: int = 32, lr: float = 1e-2,
               seed: int = 0) -> SineRun:
    """Train a ``NextStep`` LSTM on 256 noisy sine waves of 50 steps (batches drawn at random) with Adam,
    and score it on 100 fresh waves.

    Args:
        steps: training steps.
        hidden: hidden units of the LSTM.
        batch_size: waves per step.
        lr: Adam's learning rate.
        seed: the seed of the waves, the start and the batches.
    """
    mt.manual_seed(seed)
    x_train, y_train = datasets.sine_waves(256, 50, NOISE, generator=mt.Generator().manual_seed(seed)).tensors
    x_test, y_test = datasets.sine_waves(100, 50, NOISE, generator=mt.Generator().manual_seed(seed + 1)).tensors
    model = NextStep(hidden)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    compute = mt.compile(loss_and_gradients)
    for _ in progress(range(steps), desc="sine waves"):
        idx = mt.randint(0, len(x_train), (batch_size,))
        loss = compute(model, optimizer, scored_mse, x_train[idx], y_train[idx])
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    with mt.no_grad():
        mse = scored_mse(model(x_test), y_test).item()
    return SineRun(model, losses, x_test, y_test, mse, scored_mse(x_test, y_test).item())


# ----------------------------------------------------------------------------- 3. a character-level LSTM
class CharLSTM(nn.Module):
    """Embedding, LSTM and a linear read-out: character ids ``(N, L)`` to next-character scores
    ``(N, L, vocab)``; ``forward`` also takes and returns the LSTM's state ``(h, c)`` for sampling."""

    def __init__(self, vocab: int, embedding: int, hidden: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids: mt.Tensor, state: tuple[mt.Tensor, mt.Tensor] | None = None
                ) -> tuple[mt.Tensor, tuple[mt.Tensor, mt.Tensor]]:
        """The next-character scores after every step and the LSTM's final state (zeros at the start when
        ``state`` is None)."""
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


@dataclass
class CharRun:
    """The trained character model, its vocabulary and its mean training loss per step (nats per
    character)."""
    model: CharLSTM
    vocab: str
    losses: list[float]


def train_char_lstm(steps: int = 200, seq_len: int = 32, embedding: int = 16, hidden: int = 64,
                    batch_size: int = 32, lr: float = 1e-2, seed: int = 0) -> CharRun:
    """Train a ``CharLSTM`` on windows of ``mt.datasets.TINY_CORPUS`` (drawn at random) to predict every
    next character, with Adam and gradient clipping.

    Args:
        steps: training steps.
        seq_len: characters per window.
        embedding, hidden: the sizes of the character vectors and of the LSTM's state.
        batch_size: windows per step.
        lr: Adam's learning rate.
        seed: the seed of the start and the batches.
    """
    mt.manual_seed(seed)
    corpus, vocab = datasets.char_corpus(seq_len)
    inputs, targets = corpus.tensors
    model = CharLSTM(len(vocab), embedding, hidden)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []

    @mt.compile
    def step(x: mt.Tensor, y: mt.Tensor) -> mt.Tensor:
        scores, _ = model(x)
        loss = F.cross_entropy(scores.transpose(1, 2), y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss

    for _ in progress(range(steps), desc="char LSTM"):
        idx = mt.randint(0, len(inputs), (batch_size,))     # drawn outside: a random draw breaks the graph
        losses.append(step(inputs[idx], targets[idx]).item())
    return CharRun(model, vocab, losses)


def corpus_loss(run: CharRun, seq_len: int = 32) -> float:
    """The model's mean cross-entropy (nats per character) over every window of the corpus."""
    corpus, _ = datasets.char_corpus(seq_len)
    inputs, targets = corpus.tensors
    with mt.no_grad():
        scores, _ = run.model(inputs)
        return F.cross_entropy(scores.transpose(1, 2), targets).item()


def sample(run: CharRun, prompt: str, length: int = 200, temperature: float = 1.0, seed: int = 0) -> str:
    """``length`` characters written by the model after reading ``prompt``, each drawn from
    ``softmax(scores / temperature)`` and fed back as the next input.

    Args:
        run: the trained model and its vocabulary (``prompt`` must use only its characters).
        prompt: the text the model reads first.
        length: the number of characters to write.
        temperature: below 1 sharpens the distribution (likelier characters), above 1 flattens it.
        seed: the seed of the draws.
    """
    generator = mt.Generator().manual_seed(seed)
    ids = mt.tensor([[run.vocab.index(ch) for ch in prompt]])
    written = []
    with mt.no_grad():
        scores, state = run.model(ids)
        for _ in range(length):
            probs = F.softmax(scores[0, -1] / temperature, dim=0)
            nxt = mt.multinomial(probs, 1, generator=generator)
            written.append(run.vocab[nxt.item()])
            scores, state = run.model(nxt.reshape(1, 1), state)
    return "".join(written)


# ----------------------------------------------------------------------------- the demo
def main(out: Path, quick: bool = False) -> None:
    """Run the three experiments, print their numbers and samples, and plot the memory learning curves, the
    sine predictions and the character model's loss."""
    memory_steps, sine_steps, char_steps = (20, 10, 20) if quick else (200, 150, 200)
    gaps, every = (GAPS[-1:], 5) if quick else (GAPS, 25)
    print(f"1. Recall the first of {SYMBOLS} symbols after `gap` distractor steps (chance {1 / SYMBOLS:.0%}):"
          f" 16 hidden units, {memory_steps} Adam steps of 32 sequences, test on 500")
    runs = {gap: [train_memory(kind, gap, memory_steps, eval_every=every) for kind in KINDS] for gap in gaps}
    if not quick:
        runs[gaps[-1]].append(train_memory("LSTM", gaps[-1], memory_steps, gates_open=False, eval_every=every))
    labels = [run.label for run in runs[gaps[-1]]]
    print("  test accuracy     " + "".join(f"{label:>20s}" for label in labels))
    for gap, gap_runs in runs.items():
        print(f"  gap {gap:3d}           " + "".join(f"{run.accuracy[-1]:20.1%}" for run in gap_runs))
    headline(f"memory across {gaps[-1]} steps",
             ", ".join(f"{run.label} {run.accuracy[-1]:.0%}" for run in runs[gaps[-1]]))

    fig, axes = new_figure(1, len(gaps), width=4.8, height=3.8)
    for ax, (gap, gap_runs) in zip(np.atleast_1d(axes), runs.items()):
        for run in gap_runs:
            ax.plot(run.steps, run.accuracy, marker="o", markersize=3, label=run.label,
                    linestyle="--" if "default" in run.label else "-")
        ax.axhline(1 / SYMBOLS, color="grey", linestyle=":", label="chance")
        ax.set_ylim(0, 1.3)                                 # room for the legend above the curves
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.set_xlabel("training step")
        ax.set_ylabel("test accuracy")
        ax.set_title(f"recall the first symbol after {gap} steps")
        ax.legend(fontsize=8, loc="upper center", ncol=3)
    save_figure(fig, out / "memory_curves.png")

    print(f"\n2. An LSTM (16 units) predicts noisy sine waves one step ahead (noise std {NOISE}), "
          f"{sine_steps} Adam steps")
    sine = train_sine(sine_steps)
    print(f"  test MSE after a {WARMUP}-step warm-up: LSTM {sine.mse:.4f}, repeating the current value "
          f"{sine.repeat_mse:.4f}, noise floor {NOISE ** 2:.4f}")
    headline("sine one step ahead, test MSE", f"{sine.mse:.4f} (repeat-last {sine.repeat_mse:.4f})")

    fig, (wave_ax, loss_ax) = new_figure(1, 2, width=5.2, height=3.6)
    with mt.no_grad():
        predicted = sine.model(sine.x_test[:1])[0, :, 0].numpy()
    steps_axis = np.arange(1, len(predicted) + 1)
    wave_ax.plot(steps_axis, sine.y_test[0, :, 0].numpy(), "k.", label="next value (noisy truth)")
    wave_ax.plot(steps_axis, predicted, color="tab:orange", label="LSTM prediction")
    wave_ax.axvspan(0.5, WARMUP + 0.5, color="grey", alpha=0.15, label="warm-up (not scored)")
    wave_ax.set_xlabel("time step")
    wave_ax.set_title("a test wave, one step ahead")
    wave_ax.legend(fontsize=8)
    loss_ax.plot(sine.losses)
    loss_ax.axhline(sine.repeat_mse, color="grey", linestyle="--", label="repeat the current value")
    loss_ax.axhline(NOISE ** 2, color="grey", linestyle=":", label="noise floor")
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("training step")
    loss_ax.set_title("training MSE")
    loss_ax.legend(fontsize=8)
    save_figure(fig, out / "sine_prediction.png")

    print(f"\n3. A character-level LSTM (64 units) on Sonnet 18 ({len(datasets.TINY_CORPUS)} characters), "
          f"{char_steps} Adam steps of 32 windows of 32 characters")
    chars = train_char_lstm(char_steps)
    loss = corpus_loss(chars)
    print(f"  {len(chars.vocab)} distinct characters: a uniform guess scores ln {len(chars.vocab)} = "
          f"{math.log(len(chars.vocab)):.2f} nats per character; the trained model {loss:.3f}, a perplexity "
          f"e^loss = {math.exp(loss):.2f}: as unsure as a fair choice among that many characters")
    prompt = "Shall I "
    for temperature in (0.5, 1.0):
        text = sample(chars, prompt, 160, temperature)
        print(f"  temperature {temperature}: {prompt}{text}".rstrip().replace("\n", "\n      "))
    headline("char LSTM on the sonnet", f"loss {loss:.3f} nats/char, perplexity {math.exp(loss):.2f}")

    fig, ax = new_figure(1, 1, width=5.5, height=3.6)
    ax.plot(chars.losses, label="training batch")
    ax.axhline(math.log(len(chars.vocab)), color="grey", linestyle=":", label="uniform guess (ln vocab)")
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy, nats per character")
    ax.set_title("character-level LSTM on Sonnet 18")
    ax.legend()
    save_figure(fig, out / "char_lstm.png")

"""A word-level language model written as the official PyTorch ``examples/word_language_model`` is: ``RNNModel``
(Embedding -> LSTM -> Linear, ``init_hidden`` from ``weight.new_zeros``) or the ``TransformerModel`` variant
(``nn.TransformerEncoder`` of ``nn.TransformerEncoderLayer`` with the causal mask of
``nn.Transformer.generate_square_subsequent_mask``), trained with truncated BPTT (the hidden state detached
between batches by ``repackage_hidden``), ``clip_grad_norm_`` and the example's hand-written SGD update
``p.data.add_(p.grad, alpha=-lr)``. Smaller than the example, dropout 0 so both libraries draw nothing.

``run(torch, steps, data, weights, model="LSTM" or "Transformer")`` trains ``steps`` BPTT batches and reports each
training loss, then the validation loss of ``evaluate`` (``model.eval()`` under ``torch.no_grad()``).
"""
from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
from harness import Weights, load_weights

NTOKENS = 24
EMSIZE = 16
NHID = 16
NLAYERS = 2
NHEAD = 2
BPTT = 6
BATCH_SIZE = 4
EVAL_BATCH_SIZE = 2
CLIP = 0.25
LR = 2.0
MAX_STEPS = 8


def make_data(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Word ids drawn with Zipf's law (word k has probability proportional to 1/k, as in text), as ``data.Corpus``
    would tokenize them: enough training words for ``MAX_STEPS`` BPTT batches, and a short validation set."""
    zipf = 1 / np.arange(1, NTOKENS + 1)

    def corpus(n: int) -> np.ndarray:
        return rng.choice(NTOKENS, size=n, p=zipf / zipf.sum()).astype(np.int64)

    return {"train": corpus(BATCH_SIZE * BPTT * MAX_STEPS + BATCH_SIZE), "valid": corpus(EVAL_BATCH_SIZE * BPTT * 2)}


def build(torch: ModuleType, model: str = "LSTM") -> dict[str, Any]:
    """The example's ``RNNModel('LSTM', ...)`` or ``TransformerModel``."""
    nn = torch.nn
    F = torch.nn.functional

    class RNNModel(nn.Module):
        """Container module with an encoder, a recurrent module, and a decoder."""

        def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
            super().__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            if rnn_type in ['LSTM', 'GRU']:
                self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
            else:
                nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]
                self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            if tie_weights:
                if nhid != ninp:
                    raise ValueError('When using the tied flag, nhid must be equal to emsize')
                self.decoder.weight = self.encoder.weight
            self.init_weights()
            self.rnn_type = rnn_type
            self.nhid = nhid
            self.nlayers = nlayers

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            self.rnn.flatten_parameters()
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output)
            decoded = decoded.view(-1, self.ntoken)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            if self.rnn_type == 'LSTM':
                return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                        weight.new_zeros(self.nlayers, bsz, self.nhid))
            return weight.new_zeros(self.nlayers, bsz, self.nhid)

    class PositionalEncoding(nn.Module):
        """Inject some information about the relative or absolute position of the tokens in the sequence."""

        def __init__(self, d_model, dropout=0.1, max_len=5000):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            pe = torch.zeros(max_len, d_model)
            position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = torch.sin(position * div_term)
            pe[:, 1::2] = torch.cos(position * div_term)
            pe = pe.unsqueeze(0).transpose(0, 1)
            self.register_buffer('pe', pe)

        def forward(self, x):
            x = x + self.pe[:x.size(0), :]
            return self.dropout(x)

    class TransformerModel(nn.Module):
        """Container module with an encoder, a transformer encoder, and a decoder."""

        def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
            super().__init__()
            self.model_type = 'Transformer'
            self.src_mask = None
            self.pos_encoder = PositionalEncoding(ninp, dropout, max_len=64)
            encoder_layers = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout)
            self.transformer_encoder = nn.TransformerEncoder(encoder_layers, nlayers)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.ninp = ninp
            self.decoder = nn.Linear(ninp, ntoken)
            self.init_weights()

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, src, has_mask=True):
            if has_mask:
                device = src.device
                if self.src_mask is None or self.src_mask.size(0) != len(src):
                    mask = nn.Transformer.generate_square_subsequent_mask(len(src)).to(device)
                    self.src_mask = mask
            else:
                self.src_mask = None
            src = self.encoder(src) * math.sqrt(self.ninp)
            src = self.pos_encoder(src)
            output = self.transformer_encoder(src, self.src_mask)
            output = self.decoder(output)
            return F.log_softmax(output, dim=-1)

    if model == "Transformer":
        return {"model": TransformerModel(NTOKENS, EMSIZE, NHEAD, NHID, NLAYERS, dropout=0.0)}
    return {"model": RNNModel(model, NTOKENS, EMSIZE, NHID, NLAYERS, dropout=0.0)}


def run(torch: ModuleType, steps: int, data: dict[str, np.ndarray], weights: Weights | None = None,
        model: str = "LSTM") -> list[float]:
    """Train ``steps`` BPTT batches (at most ``MAX_STEPS``); the training losses, then the validation loss."""
    nn = torch.nn
    losses = []

    def batchify(data, bsz):
        # Work out how cleanly we can divide the dataset into bsz parts.
        nbatch = data.size(0) // bsz
        # Trim off any extra elements that wouldn't cleanly fit (remainders).
        data = data.narrow(0, 0, nbatch * bsz)
        # Evenly divide the data across the bsz batches.
        data = data.view(bsz, -1).t().contiguous()
        return data.to(device)

    def repackage_hidden(h):
        """Wraps hidden states in new Tensors, to detach them from their history."""
        if isinstance(h, torch.Tensor):
            return h.detach()
        return tuple(repackage_hidden(v) for v in h)

    def get_batch(source, i):
        seq_len = min(BPTT, len(source) - 1 - i)
        data = source[i:i + seq_len]
        target = source[i + 1:i + 1 + seq_len].view(-1)
        return data, target

    def evaluate(data_source):
        # Turn on evaluation mode which disables dropout.
        model.eval()
        total_loss = 0.
        ntokens = NTOKENS
        if is_transformer_model:
            hidden = None
        else:
            hidden = model.init_hidden(EVAL_BATCH_SIZE)
        with torch.no_grad():
            for i in range(0, data_source.size(0) - 1, BPTT):
                data, targets = get_batch(data_source, i)
                if is_transformer_model:
                    output = model(data)
                    output = output.view(-1, ntokens)
                else:
                    output, hidden = model(data, hidden)
                    hidden = repackage_hidden(hidden)
                total_loss += len(data) * criterion(output, targets).item()
        return total_loss / (len(data_source) - 1)

    def train():
        # Turn on training mode which enables dropout.
        model.train()
        ntokens = NTOKENS
        if not is_transformer_model:
            hidden = model.init_hidden(BATCH_SIZE)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, BPTT)):
            if batch == steps:
                break
            data, targets = get_batch(train_data, i)
            # Starting each batch, we detach the hidden state from how it was previously produced.
            # If we didn't, the model would try backpropagating all the way to start of the dataset.
            model.zero_grad()
            if is_transformer_model:
                output = model(data)
                output = output.view(-1, ntokens)
            else:
                hidden = repackage_hidden(hidden)
                output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()

            # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
            torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-LR)
            losses.append(loss.item())

    torch.manual_seed(1111)
    device = torch.device("cpu")
    train_data = batchify(torch.from_numpy(data["train"]), BATCH_SIZE)
    val_data = batchify(torch.from_numpy(data["valid"]), EVAL_BATCH_SIZE)
    models = build(torch, model)
    load_weights(torch, models, weights)
    model = models["model"].to(device)
    is_transformer_model = hasattr(model, 'model_type') and model.model_type == 'Transformer'
    criterion = nn.NLLLoss()
    train()
    losses.append(evaluate(val_data))
    return losses

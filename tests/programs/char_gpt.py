"""A character-level GPT written as nanoGPT's ``model.py`` and ``train.py`` are: token and position embeddings,
causal self-attention by hand (``masked_fill`` through a registered ``bias`` buffer) or, with ``flash``, by
``F.scaled_dot_product_attention(is_causal=True)``, LayerNorm with an optional bias, a GELU MLP, the token
embedding tied to the output head, ``configure_optimizers`` splitting the parameters into AdamW groups with and
without weight decay by ``p.dim() >= 2``, a warmup + cosine learning rate set by hand
through ``optimizer.param_groups``, ``clip_grad_norm_``, ``zero_grad(set_to_none=True)``, ``estimate_loss`` under
``@torch.no_grad()`` with ``model.eval()``/``model.train()``, and ``generate`` with top-k sampling (``torch.topk``,
``F.softmax``, ``torch.multinomial``). Tiny sizes; the batch offsets are given (nanoGPT draws them with
``torch.randint``, whose stream differs between libraries).

``run(torch, steps, data, weights)`` trains ``steps`` iterations and reports each training loss, then the
validation loss of ``estimate_loss``. ``sample(torch, steps, data, weights, ...)`` trains, then generates.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
from harness import Weights, load_weights

TEXT = ("First Citizen: Before we proceed any further, hear me speak. All: Speak, speak. First Citizen: You are all "
        "resolved rather to die than to famish? All: Resolved. resolved. ")
BLOCK_SIZE = 8
BATCH_SIZE = 4
MAX_ITERS = 12
EVAL_ITERS = 2


@dataclass
class GPTConfig:
    """nanoGPT's model configuration, at toy sizes."""
    block_size: int = BLOCK_SIZE
    vocab_size: int = 0
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 16
    dropout: float = 0.0
    bias: bool = True  # True: bias in Linears and LayerNorms, like GPT-2. False: a bit better and faster
    flash: bool = False  # F.scaled_dot_product_attention where the library has it (nanoGPT's default path)


def vocabulary() -> tuple[dict[str, int], list[str]]:
    """``stoi`` and ``itos`` of the characters of ``TEXT``, as nanoGPT's ``prepare.py`` makes them."""
    chars = sorted(set(TEXT))
    return {ch: i for i, ch in enumerate(chars)}, chars


def make_data(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``TEXT`` encoded (90% train, 10% val, uint16 as ``prepare.py`` writes them) and the batch offsets of every
    training and evaluation batch."""
    stoi, _ = vocabulary()
    ids = np.array([stoi[c] for c in TEXT], dtype=np.uint16)
    n = int(0.9 * len(ids))
    train, val = ids[:n], ids[n:]
    return {"train": train, "val": val,
            "train_ix": rng.integers(0, len(train) - BLOCK_SIZE, (MAX_ITERS, BATCH_SIZE)),
            "val_ix": rng.integers(0, len(val) - BLOCK_SIZE, (EVAL_ITERS, BATCH_SIZE))}


def build(torch: ModuleType, flash: bool = False) -> dict[str, Any]:
    """nanoGPT's ``GPT`` on ``TEXT``'s vocabulary; ``flash`` takes its attention path through
    ``F.scaled_dot_product_attention(..., is_causal=True)`` instead of the hand-written masked softmax."""
    nn = torch.nn
    F = torch.nn.functional

    class LayerNorm(nn.Module):
        """ LayerNorm but with an optional bias. PyTorch doesn't support simply bias=False """

        def __init__(self, ndim, bias):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(ndim))
            self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

        def forward(self, input):
            return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)

    class CausalSelfAttention(nn.Module):

        def __init__(self, config):
            super().__init__()
            assert config.n_embd % config.n_head == 0
            # key, query, value projections for all heads, but in a batch
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            # output projection
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            # regularization
            self.attn_dropout = nn.Dropout(config.dropout)
            self.resid_dropout = nn.Dropout(config.dropout)
            self.n_head = config.n_head
            self.n_embd = config.n_embd
            self.dropout = config.dropout
            # flash attention make GPU go brrrrr but support is only in PyTorch >= 2.0
            self.flash = config.flash and hasattr(torch.nn.functional, 'scaled_dot_product_attention')
            if not self.flash:
                # causal mask to ensure that attention is only applied to the left in the input sequence
                self.register_buffer("bias", torch.tril(torch.ones(config.block_size, config.block_size))
                                     .view(1, 1, config.block_size, config.block_size))

        def forward(self, x):
            B, T, C = x.size()  # batch size, sequence length, embedding dimensionality (n_embd)

            # calculate query, key, values for all heads in batch and move head forward to be the batch dim
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)

            # causal self-attention; Self-attend: (B, nh, T, hs) x (B, nh, hs, T) -> (B, nh, T, T)
            if self.flash:
                # efficient attention using Flash Attention CUDA kernels
                y = torch.nn.functional.scaled_dot_product_attention(
                    q, k, v, attn_mask=None, dropout_p=self.dropout if self.training else 0, is_causal=True)
            else:
                # manual implementation of attention
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
                att = F.softmax(att, dim=-1)
                att = self.attn_dropout(att)
                y = att @ v  # (B, nh, T, T) x (B, nh, T, hs) -> (B, nh, T, hs)
            y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble all head outputs side by side

            # output projection
            y = self.resid_dropout(self.c_proj(y))
            return y

    class MLP(nn.Module):

        def __init__(self, config):
            super().__init__()
            self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
            self.dropout = nn.Dropout(config.dropout)

        def forward(self, x):
            x = self.c_fc(x)
            x = self.gelu(x)
            x = self.c_proj(x)
            x = self.dropout(x)
            return x

    class Block(nn.Module):

        def __init__(self, config):
            super().__init__()
            self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
            self.attn = CausalSelfAttention(config)
            self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
            self.mlp = MLP(config)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x

    class GPT(nn.Module):

        def __init__(self, config):
            super().__init__()
            assert config.vocab_size is not None
            assert config.block_size is not None
            self.config = config

            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=LayerNorm(config.n_embd, bias=config.bias),
            ))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
            # with weight tying when using torch.compile() some warnings get generated:
            # "UserWarning: functional_call was passed multiple values for tied weights.
            # This behavior is deprecated and will be an error in future versions"
            # not 100% sure what this is, so far seems to be harmless. TODO investigate
            self.transformer.wte.weight = self.lm_head.weight  # https://paperswithcode.com/method/weight-tying

            # init all weights
            self.apply(self._init_weights)
            # apply special scaled init to the residual projections, per GPT-2 paper
            for pn, p in self.named_parameters():
                if pn.endswith('c_proj.weight'):
                    torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

        def get_num_params(self, non_embedding=True):
            n_params = sum(p.numel() for p in self.parameters())
            if non_embedding:
                n_params -= self.transformer.wpe.weight.numel()
            return n_params

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    torch.nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx, targets=None):
            device = idx.device
            b, t = idx.size()
            assert t <= self.config.block_size, f"Cannot forward sequence of length {t}"
            pos = torch.arange(0, t, dtype=torch.long, device=device)  # shape (t)

            # forward the GPT model itself
            tok_emb = self.transformer.wte(idx)  # token embeddings of shape (b, t, n_embd)
            pos_emb = self.transformer.wpe(pos)  # position embeddings of shape (t, n_embd)
            x = self.transformer.drop(tok_emb + pos_emb)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)

            if targets is not None:
                # if we are given some desired targets also calculate the loss
                logits = self.lm_head(x)
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            else:
                # inference-time mini-optimization: only forward the lm_head on the very last position
                logits = self.lm_head(x[:, [-1], :])  # note: using list [-1] to preserve the time dim
                loss = None

            return logits, loss

        def configure_optimizers(self, weight_decay, learning_rate, betas, device_type):
            # start with all of the candidate parameters
            param_dict = {pn: p for pn, p in self.named_parameters()}
            # filter out those that do not require grad
            param_dict = {pn: p for pn, p in param_dict.items() if p.requires_grad}
            # create optim groups. Any parameters that is 2D will be weight decayed, otherwise no.
            # i.e. all weight tensors in matmuls + embeddings decay, all biases and layernorms don't.
            decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
            nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
            optim_groups = [
                {'params': decay_params, 'weight_decay': weight_decay},
                {'params': nodecay_params, 'weight_decay': 0.0}
            ]
            num_decay_params = sum(p.numel() for p in decay_params)
            num_nodecay_params = sum(p.numel() for p in nodecay_params)
            assert num_decay_params + num_nodecay_params == self.get_num_params(non_embedding=False)
            # Create AdamW optimizer and use the fused version if it is available
            fused_available = 'fused' in inspect.signature(torch.optim.AdamW).parameters
            use_fused = fused_available and device_type == 'cuda'
            extra_args = dict(fused=True) if use_fused else dict()
            optimizer = torch.optim.AdamW(optim_groups, lr=learning_rate, betas=betas, **extra_args)
            return optimizer

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
            for _ in range(max_new_tokens):
                # if the sequence context is growing too long we must crop it at block_size
                idx_cond = idx if idx.size(1) <= self.config.block_size else idx[:, -self.config.block_size:]
                # forward the model to get the logits for the index in the sequence
                logits, _ = self(idx_cond)
                # pluck the logits at the final step and scale by desired temperature
                logits = logits[:, -1, :] / temperature
                # optionally crop the logits to only the top k options
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float('Inf')
                # apply softmax to convert logits to (normalized) probabilities
                probs = F.softmax(logits, dim=-1)
                # sample from the distribution
                idx_next = torch.multinomial(probs, num_samples=1)
                # append sampled index to the running sequence and continue
                idx = torch.cat((idx, idx_next), dim=1)

            return idx

    return {"model": GPT(GPTConfig(vocab_size=len(vocabulary()[1]), flash=flash))}


def train(torch: ModuleType, steps: int, data: dict[str, np.ndarray], weights: Weights | None,
          flash: bool = False) -> tuple[Any, list]:
    """nanoGPT's ``train.py`` loop for ``steps`` iterations (at most ``MAX_ITERS``): the model and the losses."""
    learning_rate = 2e-2  # max learning rate
    weight_decay = 1e-1
    beta1 = 0.9
    beta2 = 0.95
    grad_clip = 1.0  # clip gradients at this value, or disable if == 0.0
    decay_lr = True  # whether to decay the learning rate
    warmup_iters = 2  # how many steps to warm up for
    lr_decay_iters = MAX_ITERS  # should be ~= max_iters per Chinchilla
    min_lr = 1e-3  # minimum learning rate, should be ~= learning_rate/10 per Chinchilla
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device_type = 'cuda' if 'cuda' in str(device) else 'cpu'  # for later use in torch.autocast
    torch.manual_seed(1337)
    losses = []

    def get_batch(split, it):
        data_split = data["train"] if split == 'train' else data["val"]
        ix = data[f"{split}_ix"][it]
        x = torch.stack([torch.from_numpy((data_split[i:i + BLOCK_SIZE]).astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy((data_split[i + 1:i + 1 + BLOCK_SIZE]).astype(np.int64)) for i in ix])
        x, y = x.to(device), y.to(device)
        return x, y

    # helps estimate an arbitrarily accurate loss over either split using many batches
    @torch.no_grad()
    def estimate_loss():
        out = {}
        model.eval()
        for split in ['val']:
            losses = torch.zeros(EVAL_ITERS)
            for k in range(EVAL_ITERS):
                X, Y = get_batch(split, k)
                logits, loss = model(X, Y)
                losses[k] = loss.item()
            out[split] = losses.mean()
        model.train()
        return out

    # learning rate decay scheduler (cosine with warmup)
    def get_lr(it):
        # 1) linear warmup for warmup_iters steps
        if it < warmup_iters:
            return learning_rate * (it + 1) / (warmup_iters + 1)
        # 2) if it > lr_decay_iters, return min learning rate
        if it > lr_decay_iters:
            return min_lr
        # 3) in between, use cosine decay down to min learning rate
        decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
        assert 0 <= decay_ratio <= 1
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # coeff ranges 0..1
        return min_lr + coeff * (learning_rate - min_lr)

    models = build(torch, flash)
    load_weights(torch, models, weights)
    model = models["model"]
    model.to(device)
    optimizer = model.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), device_type)

    X, Y = get_batch('train', 0)  # fetch the very first batch
    for iter_num in range(steps):
        # determine and set the learning rate for this iteration
        lr = get_lr(iter_num) if decay_lr else learning_rate
        for param_group in optimizer.param_groups:
            param_group['lr'] = lr

        logits, loss = model(X, Y)
        # immediately async prefetch next batch while model is doing the forward pass on the GPU
        X, Y = get_batch('train', (iter_num + 1) % MAX_ITERS)
        loss.backward()
        # clip the gradient
        if grad_clip != 0.0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        # flush the gradients as soon as we can, no need for so much memory
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
    losses.append(estimate_loss()['val'].item())
    return model, losses


def run(torch: ModuleType, steps: int, data: dict[str, np.ndarray], weights: Weights | None = None,
        flash: bool = False) -> list[float]:
    """Train ``steps`` iterations (at most ``MAX_ITERS``), attention through SDPA if ``flash``; the training losses,
    then the validation loss."""
    return train(torch, steps, data, weights, flash)[1]


def sample(torch: ModuleType, steps: int, data: dict[str, np.ndarray], weights: Weights | None,
           max_new_tokens: int, top_k: int) -> tuple[Any, list[list[int]]]:
    """Train ``steps`` iterations, then ``model.generate`` with ``top_k`` from two prompts, as nanoGPT's
    ``sample.py`` does: the model and the ids of each prompt followed by its generated tokens."""
    model, _ = train(torch, steps, data, weights)
    stoi, _ = vocabulary()
    start_ids = [[stoi[c] for c in prompt] for prompt in ("First", "All: ")]
    model.eval()
    out = []
    with torch.no_grad():
        for ids in start_ids:
            x = (torch.tensor(ids, dtype=torch.long)[None, ...])
            y = model.generate(x, max_new_tokens, temperature=0.8, top_k=top_k)
            out.append(y[0].tolist())
    return model, out

"""``torch.nn.modules.rnn``'s path to the recurrent layers and cells (the classes of ``microtensor.nn``)."""
from microtensor.nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"]

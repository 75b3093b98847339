"""microtensor.optim: the gradient-descent family and learning-rate schedules, step for step like PyTorch.

Optimizers update parameters from their ``.grad`` (they depend only on the core, not on nn);
``microtensor.optim.lr_scheduler`` changes their learning rates over time.
"""
from microtensor.optim import lr_scheduler
from microtensor.optim.adadelta import Adadelta
from microtensor.optim.adafactor import Adafactor
from microtensor.optim.adagrad import Adagrad
from microtensor.optim.adam import Adam, AdamW
from microtensor.optim.adamax import Adamax
from microtensor.optim.asgd import ASGD
from microtensor.optim.lbfgs import LBFGS
from microtensor.optim.muon import Muon
from microtensor.optim.nadam import NAdam
from microtensor.optim.optimizer import Optimizer
from microtensor.optim.radam import RAdam
from microtensor.optim.rmsprop import RMSprop
from microtensor.optim.rprop import Rprop
from microtensor.optim.sgd import SGD
from microtensor.optim.swap_in import swap_in_optimizer_params_and_state

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam",
           "LBFGS", "Rprop", "ASGD", "Adafactor", "Muon", "lr_scheduler",
           "swap_in_optimizer_params_and_state"]

"""microtensor.nn: modules, layers, losses, init and functional, with PyTorch's names and semantics."""
from microtensor.nn import functional, init, utils
from microtensor.nn.container import (Flatten, Identity, ModuleDict, ModuleList, ParameterDict, ParameterList,
                                      Sequential, Unflatten)
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter

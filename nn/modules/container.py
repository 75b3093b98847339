"""``torch.nn.modules.container``'s path to the containers (the classes of ``microtensor.nn``)."""
from microtensor.nn.container import Container, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]
__all__ += ["Container"]  # issue 22: normalization, lazy modules and small nn names

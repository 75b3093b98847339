"""microtensor.utils: data loading (``utils.data``) and moving state dicts to and from PyTorch."""
from microtensor.utils import data
from microtensor.utils.interchange import from_torch_state_dict, to_torch_state_dict

__all__ = ["data", "from_torch_state_dict", "to_torch_state_dict"]

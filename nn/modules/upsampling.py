"""``torch.nn.modules.upsampling``'s path to Upsample, UpsamplingNearest2d and UpsamplingBilinear2d (the classes of
``microtensor.nn``)."""
from microtensor.nn.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]

"""microtensor.nn.models (+): ready-made networks and blocks from the papers that introduced them.

LeNet5 (LeCun et al. 1998); BasicBlock, Bottleneck, ResNet and ``resnet(depth)`` (He et al. 2016);
VGGBlock (Simonyan and Zisserman 2015); InceptionBlock (Szegedy et al. 2015); DepthwiseSeparable
(Howard et al. 2017).
"""
from microtensor.nn.models.inception import InceptionBlock
from microtensor.nn.models.lenet import LeNet5
from microtensor.nn.models.mobilenet import DepthwiseSeparable
from microtensor.nn.models.resnet import BasicBlock, Bottleneck, ResNet, projection, resnet
from microtensor.nn.models.vgg import VGGBlock

__all__ = ["BasicBlock", "Bottleneck", "DepthwiseSeparable", "InceptionBlock", "LeNet5", "ResNet", "VGGBlock",
           "projection", "resnet"]

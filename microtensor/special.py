"""``microtensor.special``: the functions of ``torch.special``, under its names.

The special functions themselves live in ``microtensor/ops/special_functions.py``; the rest of the namespace
is PyTorch's aliases of ops microtensor already has (``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``,
``psi`` is ``digamma``), the same function objects.
"""
from microtensor.ops.elementwise_extra import xlogy
from microtensor.ops.incomplete_gamma import gammainc, gammaincc
from microtensor.ops.reduction import logsumexp
from microtensor.ops.softmax import log_softmax, softmax
from microtensor.ops.special_functions import (
    digamma,
    entr,
    erfcx,
    erfinv,
    i0,
    i0e,
    i1,
    i1e,
    log_ndtr,
    logit,
    multigammaln,
    ndtr,
    ndtri,
    polygamma,
    sinc,
    xlog1py,
)
from microtensor.ops.special_functions import digamma as psi
from microtensor.ops.special_functions import lgamma as gammaln
from microtensor.ops.unary import erf, erfc, exp2, expm1, log1p, round
from microtensor.ops.unary import sigmoid as expit

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i0e",
           "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy"]
__all__ += ["gammainc", "gammaincc"]  # issue 22: math long tail

"""Probability distributions with sampling, reparameterized sampling, log-densities, entropies and KL
divergences, as ``torch.distributions``."""
from microtensor.distributions import constraints
from microtensor.distributions.bernoulli import Bernoulli
from microtensor.distributions.beta import Beta
from microtensor.distributions.categorical import Categorical
from microtensor.distributions.dirichlet import Dirichlet
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.exponential import Exponential
from microtensor.distributions.gamma import Gamma
from microtensor.distributions.independent import Independent
from microtensor.distributions.kl import kl_divergence, register_kl
from microtensor.distributions.laplace import Laplace
from microtensor.distributions.multivariate_normal import MultivariateNormal
from microtensor.distributions.normal import Normal
from microtensor.distributions.one_hot_categorical import OneHotCategorical
from microtensor.distributions.uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential", "Gamma", "Independent",
           "Laplace", "MultivariateNormal", "Normal", "OneHotCategorical", "Uniform", "constraints",
           "kl_divergence", "register_kl"]

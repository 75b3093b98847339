"""microtensor.optim: the gradient-descent family and learning-rate schedules (issue #4 builds it on the core)."""

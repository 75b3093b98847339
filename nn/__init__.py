"""microtensor.nn: modules, layers, losses, init and functional (issue #3 builds it on the core)."""

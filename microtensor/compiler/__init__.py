"""``microtensor.compile`` and the ``torch.compiler`` namespace: capture a step once, replay it as NumPy.

The seam it records at is ``microtensor/capture.py``; ``microtensor/compiler/tracer.py`` records,
``microtensor/compiler/plan.py`` turns the recording into Python source, and
``microtensor/compiler/compiled_function.py`` caches plans per call signature.
"""
from microtensor.compiler.compiled_function import CompiledFunction, compile, is_compiling, reset
from microtensor.compiler.tracer import GraphBreak

__all__ = ["CompiledFunction", "GraphBreak", "compile", "is_compiling", "reset"]

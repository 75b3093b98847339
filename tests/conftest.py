import os
import sys

from hypothesis import settings

sys.path.insert(0, os.path.dirname(__file__))
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)
settings.load_profile("ci")

"""Runnable demos reproducing the worked examples of the source notes: ``python -m demos NAME``."""

"""The demos run (quick mode) and their headline results hold (full settings, where they take seconds)."""
import subprocess
import sys

from demos import xor


def test_demo_listing_and_quick_showcase_exit_zero():
    listing = subprocess.run([sys.executable, "-m", "demos"], capture_output=True, text=True, check=True)
    assert "xor" in listing.stdout
    run = subprocess.run([sys.executable, "-m", "demos", "showcase", "--quick"], capture_output=True, text=True,
                         check=True)
    assert "XOR" in run.stdout


def test_xor_is_solved_with_the_full_settings():
    losses, preds = xor.train()
    assert losses[-1] < 0.01 < losses[0]
    assert [p > 0.5 for p in preds] == [False, True, True, False]

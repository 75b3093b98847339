"""The GAN demo: its score of samples is right on known points; with the full settings and a fixed seed the
generator, which starts far from the data, ends with every mode covered and most samples near a mode."""
import math

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import microtensor as mt
from demos import gan


def test_quality_of_known_points():
    centres = gan.mode_centres()
    assert np.linalg.norm(centres, axis=1) == pytest.approx(np.full(gan.MODES, gan.RADIUS))
    assert gan.quality(np.repeat(centres, 10, axis=0)) == (1.0, gan.MODES, [10] * gan.MODES)
    one_mode = np.repeat(centres[:1], 80, axis=0)
    assert gan.quality(np.concatenate([one_mode, np.zeros((20, 2))])) == (0.8, 1, [80] + [0] * (gan.MODES - 1))


def test_real_samples_lie_near_their_modes_as_a_2d_gaussian_does():
    mt.manual_seed(0)
    q = gan.quality(gan.sample_real(20000).numpy())
    assert q.near == pytest.approx(1 - math.exp(-4.5), abs=0.003)       # P(|x| < 3 sigma) for a 2-D Gaussian
    assert q.modes_covered == gan.MODES and min(q.counts) > 0.9 * 20000 / gan.MODES * q.near


@pytest.mark.slow
def test_full_settings_generator_covers_the_modes():
    run = gan.train(snapshot_at=(0, 1500))
    first, last = run.quality[0], run.quality[-1]
    assert first.near < 0.1 and first.modes_covered <= 1                # the untrained G is nowhere near the data
    assert last.modes_covered >= 7 and last.near > 0.7
    assert 0.5 < np.mean(run.d_loss[-100:]) < math.log(2) + 0.05        # D can no longer tell real from generated
    assert [s.step for s in run.snapshots] == [0, 1500] and run.snapshots[1].belief.shape == (60, 60)

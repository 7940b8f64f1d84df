"""Average precision as training, the model card and the zh / ko encoder comparison
(models/train/cjk_use_eval.py) rank by it (stream/scoring/metrics.py)."""

import numpy as np
import pytest

from stream.scoring.metrics import auprc


def test_average_precision_is_the_mean_precision_at_each_positive():
    y = np.array([1, 0, 1, 0, 0, 1])
    s = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    # positives at ranks 1, 3, 6: precisions 1, 2/3, 3/6
    assert auprc(y, s) == pytest.approx((1 + 2 / 3 + 0.5) / 3, abs=1e-12)
    assert auprc(y, -s) < auprc(y, s)  # a worse ranking scores lower
    assert auprc(np.array([1, 1, 0]), np.array([0.9, 0.8, 0.1])) == 1.0

"""Shared test set-up: headless matplotlib, one torch thread, quiet progress bars."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("GANCOURSE_PROGRESS", "0")

import torch  # noqa: E402

torch.set_num_threads(1)

# Property-based tests (Hypothesis): bounded so that `make test` grows by well under a minute.
# HYPOTHESIS_PROFILE=thorough runs many more examples, for a one-off search.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("gancourse", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gancourse"))


import pytest  # noqa: E402


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    """Three small training images (64 x 64 crops of bundled pictures), so that no test reads Train400."""
    import imageio.v3 as iio
    import numpy as np

    from gancourse.denoising.images import bundled_image

    folder = tmp_path_factory.mktemp("images")
    for name in ("brick", "grass", "coins"):
        iio.imwrite(folder / f"{name}.png", (bundled_image(name)[:64, :64] * 255).round().astype(np.uint8))
    return folder

"""The tiny training set-up shared by the denoiser's training and selection tests (not a test module)."""

from gancourse.denoising.images import bundled_image

# a 3-layer, 8-channel generator on 32 x 32 patches: trains in well under a second a step
TINY = {"features": 8, "depth": 3, "batch_size": 4, "patch": 32}
# one small validation crop, from a picture that is neither held out nor in the test images
VAL = {"moon": bundled_image("moon")[:48, :48]}

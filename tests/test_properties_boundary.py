"""The public boundary (issue 12, category 5): ordinary mistakes meet a gancourse message, never a raw
torch/numpy traceback; where the intent is clear (float64 or integer inputs) the input is converted."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import gancourse as gc
from gancourse import explorers, welcome

MODELS = {
    "MLPGenerator": (lambda: gc.MLPGenerator(latent_dim=2, data_dim=2, hidden_dim=8, n_hidden=1), (5, 2)),
    "MLPDiscriminator": (lambda: gc.MLPDiscriminator(data_dim=2, hidden_dim=8, n_hidden=1), (5, 2)),
    "AffineGenerator": (lambda: gc.AffineGenerator(1.0, 2.0), (5, 1)),
    "PackedDiscriminator": (lambda: gc.PackedDiscriminator(data_dim=2, pack=5, hidden_dim=8, n_hidden=1), (5, 2)),
    "DCGANGenerator": (lambda: gc.DCGANGenerator(latent_dim=4, width=4), (5, 4)),
    "DCGANDiscriminator": (lambda: gc.DCGANDiscriminator(width=4), (5, 1, 8, 8)),
}


@pytest.mark.parametrize("name", sorted(MODELS))
@given(dtype=st.sampled_from([torch.float64, torch.int64, torch.int32, torch.uint8, torch.float16, "numpy"]))
def test_models_accept_float64_integer_and_numpy_input_as_float32(name, dtype):
    make, shape = MODELS[name]
    torch.manual_seed(0)
    model = make().eval()
    x32 = torch.randint(0, 3, shape).float()
    x = x32.numpy().astype(np.float64) if dtype == "numpy" else x32.to(dtype)
    out = model(x)  # was "mat1 and mat2 must have the same dtype"
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, model(x32))


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize(("bad", "error", "match"), [
    ("text", TypeError, "expected .* as a torch.Tensor, got str"),
    ([[1.0, 2.0]], TypeError, "got list; convert with torch.as_tensor"),
    (torch.zeros(3, 7), ValueError, r"expected .*shape"),
])
def test_models_name_the_fix_for_a_wrong_input(name, bad, error, match):
    model = MODELS[name][0]().eval()
    with pytest.raises(error, match=match):
        model(bad)


def test_a_batch_of_one_in_a_batchnorm_generator_names_eval():
    g = gc.DCGANGenerator(latent_dim=4, width=4)
    with pytest.raises(ValueError, match=r"batch of one .* training mode.*\.eval\(\)"):
        g(torch.randn(1, 4))
    assert g.eval()(torch.randn(1, 4)).shape == (1, 1, 8, 8)  # the fix works


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: gc.gaussian_separation_curves([1.0], std="1"), TypeError, "std to be a number, got the text"),
    (lambda: gc.mode_coverage(torch.zeros(3, 2), gc.ring8_centers(), "0.05"), TypeError, "remove the quotes"),
    (lambda: gc.mode_coverage(torch.zeros(3, 2), gc.ring8_centers(), 0.05, threshold=float("nan")),
     ValueError, "threshold to be a positive, finite"),
    (lambda: gc.entropy(["0.5", "0.5"]), TypeError, "remove the quotes"),
    (lambda: gc.wasserstein_1d(["a"], [1.0]), TypeError, "x as numbers, got text"),
    (lambda: gc.sample_gaussian_1d(10, "0", "1"), TypeError, "remove the quotes"),
    (lambda: gc.mixture_pdf(0.0, ["0"], [1.0]), TypeError, "remove the quotes"),
    (lambda: gc.sample_ring8("100"), ValueError, "positive integer number of samples"),
    (lambda: gc.MLPGenerator(hidden_dim="128"), ValueError, "hidden_dim to be a positive integer"),
    (lambda: gc.mixture_1d([0.0, 1.0], [1.0, float("nan")]), ValueError, "positive, finite standard deviations"),
    (lambda: gc.frechet_distance(np.zeros((1, 2)), np.zeros((4, 2))), ValueError, "at least 2 samples"),
])
def test_strings_and_non_finite_numbers_get_a_gancourse_message(call, error, match):
    with pytest.raises(error, match=match):
        call()


@given(st.one_of(st.text(max_size=3), st.none(), st.lists(st.floats(), max_size=2), st.floats(allow_nan=True)))
def test_mode_coverage_std_is_a_positive_number_or_a_clear_error(std):
    try:
        result = gc.mode_coverage(torch.zeros(4, 2), gc.ring8_centers(), std)
    except (TypeError, ValueError) as exc:
        assert "std" in str(exc)
    else:
        assert isinstance(std, float) and std > 0 and 0 <= result.high_quality <= 1


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: welcome.sample_state(mu="1"), TypeError, "mu to be a number, got the text"),
    (lambda: welcome.sample_state(sigma=float("nan")), ValueError, "sigma .* positive, finite"),  # was all-NaN
    (lambda: welcome.sample_state(n=2.5), TypeError, "whole number of samples"),
    (lambda: explorers.divergence_state("2"), TypeError, "separation to be a number"),
    (lambda: explorers.divergence_state(1.0, std=float("nan")), ValueError, "std to be a positive, finite"),
])
def test_explorer_states_name_bad_slider_values(call, error, match):
    with pytest.raises(error, match=match):
        call()

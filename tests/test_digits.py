"""Tests for gancourse.digits: data scaling, the scoring classifier, the DCGAN checkpoint round trip."""

import pytest
import torch

from gancourse import digits
from gancourse.models import DCGANGenerator
from gancourse.runtime import save_checkpoint


@pytest.fixture(scope="module")
def classifier():
    return digits.train_classifier()


@pytest.fixture(scope="module")
def real():
    return digits.load_digits(8)


@pytest.mark.parametrize("size", [8, 16])
def test_load_digits_shape_and_range(size):
    x, y = digits.load_digits(size)
    assert x.shape == (1797, 1, size, size) and x.dtype == torch.float32
    assert x.min() == -1.0 and x.max() == 1.0  # 0 -> -1 and 16 -> 1
    assert sorted(y.unique().tolist()) == list(range(10))


def test_load_digits_maps_sklearn_values_linearly():
    from sklearn.datasets import load_digits

    raw = torch.tensor(load_digits().images[0], dtype=torch.float32)
    assert torch.allclose(digits.load_digits(8)[0][0, 0], raw / 8 - 1)
    with pytest.raises(ValueError, match="image_size >= 8"):
        digits.load_digits(4)


def test_classifier_is_accurate_and_its_features_are_relu(classifier, real):
    assert classifier.test_accuracy > 0.93
    probs = classifier.predict_proba(real[0][:5])
    assert probs.shape == (5, 10) and probs.sum(1) == pytest.approx([1.0] * 5)
    features = classifier.features(real[0][:5])
    assert features.shape == (5, 64) and (features >= 0).all()
    # upsampled inputs are pooled back to 8x8 before classification
    big = torch.nn.functional.interpolate(real[0][:5], scale_factor=2, mode="nearest")
    assert classifier.predict_proba(big) == pytest.approx(probs)
    with pytest.raises(ValueError, match="channel axis"):
        classifier.predict_proba(real[0][:5, 0])


def test_score_separates_real_from_noise_and_from_collapse(classifier, real):
    x = real[0]
    scores = digits.digits_score(x[::2], classifier, reference=x[1::2])
    assert scores["classes_covered"] == 10 and scores["confidence"] > 0.95 and scores["inception_score"] > 8.5
    noise = digits.digits_score(torch.rand(500, 1, 8, 8) * 2 - 1, classifier, reference=x)
    assert noise["frechet"] > 10 * scores["frechet"]
    collapsed = digits.digits_score(x[:1].repeat(300, 1, 1, 1), classifier, reference=x)
    assert collapsed["classes_covered"] == 1 and collapsed["inception_score"] == pytest.approx(1.0, abs=0.05)


def test_train_dcgan_checkpoint_round_trip(tmp_path):
    config = {"steps": 3, "snapshot_every": 2, "batch_size": 8, "width": 4, "latent_dim": 3}
    checkpoint = digits.train_dcgan_digits(config, progress=False)
    assert checkpoint["snapshot_steps"] == [1, 2]
    assert checkpoint["snapshots"].shape == (2, 16, 1, 8, 8)
    assert len(checkpoint["history"]["d_loss"]) == 3
    path = save_checkpoint(checkpoint, tmp_path / "dcgan.pt")  # loads back with weights_only=True
    generator, loaded = digits.load_dcgan_digits(path=path)
    assert not generator.training and loaded["config"]["latent_dim"] == 3
    z = torch.randn(4, 3)
    original = DCGANGenerator(3, 1, 8, 4)
    original.load_state_dict(checkpoint["generator"])
    assert torch.allclose(generator(z), original.eval()(z))
    with pytest.raises(ValueError, match="unknown config keys"):
        digits.train_dcgan_digits({"stepz": 3})


def test_interpolate_latent_ends_at_both_codes():
    torch.manual_seed(0)
    generator = DCGANGenerator(3, 1, 8, 4).eval()
    z0, z1 = torch.randn(3), torch.randn(3)
    path = digits.interpolate_latent(generator, z0, z1, n=5)
    assert path.shape == (5, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(path[0], generator(z0[None])[0]) and torch.allclose(path[-1], generator(z1[None])[0])
    with pytest.raises(ValueError, match="same shape"):
        digits.interpolate_latent(generator, z0, torch.randn(4))


def test_plot_digits(real):
    import matplotlib.pyplot as plt

    ax = digits.plot_digits(real[0][:10], nrow=5, title="real")
    assert ax.get_title() == "real"
    plt.close("all")


class _Replay(torch.nn.Module):
    """A 'generator' that returns the given images, whatever z: for checking the scoring protocol."""

    latent_dim = 4

    def __init__(self, images):
        super().__init__()
        self.images = images
        self.unused = torch.nn.Parameter(torch.zeros(1))  # generate() reads the device from a parameter

    def forward(self, z):
        return self.images[: len(z)]


def test_score_generators_uses_held_out_digits_disjoint_from_the_reference(classifier, real):
    train, test = classifier.train_index, classifier.test_index
    assert len(set(train) & set(test)) == 0 and len(train) + len(test) == 1797
    images = real[0]
    rows = digits.score_generators({"replay": _Replay(images[test])}, classifier)
    assert list(rows) == ["real digits (held out)", "replay", "uniform noise"]
    by_hand = digits.digits_score(images[test], classifier, images[train])
    assert rows["real digits (held out)"] == pytest.approx(by_hand)
    assert rows["replay"] == pytest.approx(by_hand)  # the same images score the same
    assert rows["uniform noise"]["frechet"] > 10 * by_hand["frechet"]
    table = digits.format_scores(rows)
    assert "Frechet^2" in table and f"{by_hand['frechet']:.2f}" in table
    with pytest.raises(ValueError, match="train_index"):
        digits.score_generators({}, digits.DigitsClassifier(classifier.model, 1.0))


def test_classes_covered_needs_a_fifth_of_the_fair_share(classifier, real):
    # 100 images: fair share 10 per class, so a class needs ceil(0.2 * 100 / 10) = 2 predictions
    x, y = real
    ones = x[y == 1][:99]
    one_seven = torch.cat([ones, x[y == 7][:1]])
    predicted = classifier.predict_proba(one_seven).argmax(1)
    assert (predicted == 7).sum() == 1  # the single 7 is seen
    assert digits.digits_score(one_seven, classifier)["classes_covered"] == len(set(predicted.tolist()) - {7})

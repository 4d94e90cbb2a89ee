"""Tests for gancourse.denoising.selection (choosing lambda) and scripts/ship_denoisers.py."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio
from tiny_denoiser import TINY, VAL

from gancourse.denoising import selection as S
from gancourse.denoising import train as T
from gancourse.denoising.api import denoise
from gancourse.denoising.benchmark import noise_seed
from gancourse.denoising.images import HELD_OUT_IMAGES, add_noise, bundled_image, quantize

ROOT = Path(__file__).resolve().parent.parent
CONTROL = {"psnr": 30.0, "texture_distance": 0.5}


def row(psnr, distance, baseline=None):
    return {"psnr": psnr, "texture_distance": distance, "baseline_psnr": baseline}


def test_selection_images_are_neither_the_benchmarks_nor_train400():
    assert not set(S.SELECTION_IMAGES) & set(HELD_OUT_IMAGES)
    images = S.selection_images()
    assert list(images) == list(S.SELECTION_IMAGES)
    assert all(im.ndim == 2 and 0 <= im.min() and im.max() <= 1 for im in images.values())
    train400 = ROOT.parent / "shared" / "data" / "Train400"
    if train400.is_dir():  # the bundled pictures are not among the training files
        assert not {p.stem for p in train400.iterdir()} & set(S.SELECTION_IMAGES)


@pytest.mark.parametrize("candidates, expected", [
    ({0.01: row(29.5, 0.40), 0.05: row(29.0, 0.30)}, 0.05),              # both qualify: the smaller distance
    ({0.01: row(29.5, 0.40), 0.05: row(28.4, 0.10)}, 0.01),              # 0.05 is over the 1.5 dB budget
    ({0.01: row(28.5, 0.40)}, 0.01),                                     # exactly at the budget's edge qualifies
    ({0.01: row(29.0, 0.25), 0.05: row(29.5, 0.25)}, 0.05),              # a tie in distance: the higher PSNR
    ({0.01: row(29.5, 0.40, 29.0), 0.05: row(29.0, 0.20, 29.2)}, 0.01),  # 0.05 loses to putting noise back
])
def test_the_rule_chooses_the_most_natural_texture_within_the_budget(candidates, expected):
    lam, qualified, why = S.choose_adversarial_weight(CONTROL, candidates)
    assert (lam, qualified) == (expected, True)
    assert f"lambda={expected:g}" in why and "control" in why


@pytest.mark.parametrize("candidates, expected, failed", [
    ({0.01: row(28.0, 0.30), 0.05: row(27.0, 0.10)}, 0.01, "within 1.5 dB"),        # all too costly
    ({0.01: row(29.9, 0.55), 0.05: row(29.8, 0.60)}, 0.01, "texture distance below"),  # texture no nearer
    ({0.01: row(29.9, 0.50), 0.05: row(29.95, 0.70)}, 0.05, "texture distance below"),  # equal is not nearer
    ({0.01: row(29.0, 0.30, 29.4), 0.05: row(28.8, 0.20, 29.5)}, 0.01, "putting the removed noise back"),
])
def test_when_nothing_qualifies_the_least_harmful_is_shipped_and_marked(candidates, expected, failed):
    lam, qualified, why = S.choose_adversarial_weight(CONTROL, candidates)
    assert (lam, qualified) == (expected, False)
    assert failed in why and f"shipped lambda={expected:g}" in why


def test_a_tighter_budget_changes_the_choice():
    candidates = {0.01: row(29.5, 0.40), 0.05: row(29.0, 0.30)}
    assert S.choose_adversarial_weight(CONTROL, candidates, max_psnr_drop=0.6)[0] == 0.01


@pytest.mark.parametrize("control, candidates, match", [
    ({"psnr": 30.0}, {0.01: row(29, 0.4)}, "texture_distance"),
    (CONTROL, {0.01: {"psnr": 29.0, "texture_distance": 0.4}}, "baseline_psnr"),
    (CONTROL, {}, "at least one candidate"),
])
def test_bad_measurements_are_refused(control, candidates, match):
    with pytest.raises(ValueError, match=match):
        S.choose_adversarial_weight(control, candidates)
    with pytest.raises(ValueError, match="non-negative"):
        S.choose_adversarial_weight(CONTROL, {0.01: row(29, 0.4)}, max_psnr_drop=-1)


def test_scores_by_hand():
    from scipy.ndimage import gaussian_filter

    clean = {"brick": bundled_image("brick")[:40, :48], "coins": bundled_image("coins")[:32, :32]}
    out = {k: gaussian_filter(v, 0.7) for k, v in clean.items()}
    got = S.scores(clean, out)
    q = {k: quantize(v) for k, v in out.items()}
    hp = {k: ((v - gaussian_filter(v, 1.0)) ** 2).sum() for k, v in q.items()}
    ref = {k: ((v - gaussian_filter(v, 1.0)) ** 2).sum() for k, v in clean.items()}
    ratios = np.array([hp[k] / ref[k] for k in clean])
    assert got["psnr"] == pytest.approx(np.mean([peak_signal_noise_ratio(clean[k], q[k], data_range=1.0) for k in clean]))
    assert got["hf_ratio"] == pytest.approx(ratios.mean())
    assert got["texture_distance"] == pytest.approx(np.abs(np.log(ratios)).mean())
    with pytest.raises(ValueError, match="constant"):
        S.scores(clean, {k: np.full_like(v, 0.5) for k, v in clean.items()})


def test_putting_noise_back_raises_the_texture_and_the_baseline_finds_the_best_such_psnr():
    clean = {"brick": bundled_image("brick")[:64, :64], "grass": bundled_image("grass")[:64, :64]}
    noisy = {k: add_noise(v, 25, seed=i) for i, (k, v) in enumerate(clean.items())}
    from scipy.ndimage import gaussian_filter

    smooth = {k: gaussian_filter(v, 1.5) for k, v in noisy.items()}  # an over-smoothing "control"
    start = S.scores(clean, smooth)
    # alpha = 0 (the control itself) is always among the tries
    at_start = S.noise_baseline(clean, noisy, smooth, start["texture_distance"])
    assert at_start["psnr"] >= start["psnr"] - 1e-12 and at_start["texture_distance"] <= start["texture_distance"]
    # asked for more natural texture, it puts some noise back, and says how much
    target = 0.5 * start["texture_distance"]
    base = S.noise_baseline(clean, noisy, smooth, target)
    assert base is not None and base["alpha"] > 0 and base["texture_distance"] <= target
    by_hand = S.scores(clean, {k: smooth[k] + base["alpha"] * (noisy[k] - smooth[k]) for k in clean})
    assert base["psnr"] == pytest.approx(by_hand["psnr"])
    assert S.noise_baseline(clean, noisy, smooth, 0.0) is None  # a distance of 0: noise never gets there


SMALL = {"brick": bundled_image("brick")[:48, :56], "coins": bundled_image("coins")[:40, :40]}


@pytest.fixture(scope="module")
def training(tmp_path_factory, image_folder):
    """A finished long run, its control and one gan and one wgan fine-tune, all tiny."""
    folder = tmp_path_factory.mktemp("training")

    def run(name, steps, **config):
        T.train_denoiser(T.DenoiserConfig(**TINY, steps=steps, **config), folder / name, data=image_folder,
                         progress_bar=False, validation=VAL,
                         init_from=None if name == "cnn.pt" else folder / "cnn.pt")

    run("cnn.pt", 4)
    run("ft_cnn.pt", 2, lr=1e-4)
    run("ft_gan_1e-2.pt", 2, lr=1e-4, objective="gan", adv_weight=1e-2)
    run("ft_wgan_1e-2.pt", 2, lr=1e-4, objective="wgan", adv_weight=1e-2)
    return folder


def test_measure_weights_matches_a_hand_measurement(tmp_path, training, image_folder):
    T.export_weights(training / "ft_gan_1e-2.pt", tmp_path / "g.pt", command="pytest", data=image_folder)
    got = S.measure_weights(tmp_path / "g.pt", "gan", SMALL, 25.0)
    assert set(got) == {"psnr", "hf_ratio", "texture_distance"}
    psnrs = []
    for i, clean in enumerate(SMALL.values()):
        out = denoise(add_noise(clean, 25.0, seed=noise_seed(i, 25.0)), "gan", sigma=25.0, weights=tmp_path / "g.pt")
        psnrs.append(peak_signal_noise_ratio(clean, quantize(out), data_range=1.0))
    assert got["psnr"] == pytest.approx(np.mean(psnrs), abs=1e-9)
    assert got["hf_ratio"] > 0 and got["texture_distance"] >= 0


@pytest.fixture
def ship(monkeypatch):
    spec = importlib.util.spec_from_file_location("ship_denoisers", ROOT / "scripts" / "ship_denoisers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "set_threads", lambda *a, **k: 1)
    monkeypatch.setattr(module.selection, "selection_images", lambda: SMALL)
    return module


def test_ship_writes_the_control_and_the_chosen_fine_tunes_with_their_selection(tmp_path, ship, training, image_folder,
                                                                              capsys):
    weights = tmp_path / "weights"
    weights.mkdir()
    argv = ["--training", str(training), "--candidates", str(tmp_path / "cand"), "--weights", str(weights),
            "--data", str(image_folder)]
    assert ship.main([*argv, "--dry-run"]) == 0
    assert not list(weights.iterdir())
    assert ship.main(argv) == 0
    out = capsys.readouterr().out
    assert "ft_cnn.pt" in out and "ft_gan_1e-2.pt" in out and "ft_wgan_1e-2.pt" in out
    cnn = torch.load(weights / "cnn.pt", map_location="cpu", weights_only=True)
    cand = torch.load(tmp_path / "cand" / "ft_cnn.pt", map_location="cpu", weights_only=True)
    assert all(torch.equal(v, cand["generator"][k]) for k, v in cnn["generator"].items())
    # the command names the files it was made from and into, and the long run came first
    command = cnn["manifest"]["command"]
    assert f"--init-from {training / 'cnn.pt'} --steps 2 --lr 0.0001 --out {training / 'ft_cnn.pt'}" in command
    assert command.index("--out data/training/cnn.pt") < command.index("--out " + str(training / "ft_cnn.pt"))
    for obj in ("gan", "wgan"):
        shipped = torch.load(weights / f"{obj}.pt", map_location="cpu", weights_only=True)
        sel = shipped["manifest"]["selection"]
        assert sel["lambda"] == 0.01 and isinstance(sel["qualified"], bool) and sel["rule"] == S.RULE
        again = S.measure_weights(weights / f"{obj}.pt", obj, SMALL, 25.0)
        recorded = sel["measured"][f"ft_{obj}_1e-2.pt"]
        assert {k: recorded[k] for k in again} == pytest.approx(again)
        assert "baseline_psnr" in recorded and "baseline_alpha" in recorded
        assert f"--objective {obj} --init-from {training / 'cnn.pt'} --steps 2 --lr 0.0001 --adv-weight 0.01" in \
            shipped["manifest"]["command"]
        assert shipped["config"]["objective"] == obj


def test_the_command_names_every_cycle_of_the_long_run_oldest_first(tmp_path, ship, training, image_folder):
    cycle2, cycle3 = tmp_path / "cycle2.pt", tmp_path / "cycle3.pt"
    for out, start in ((cycle2, training / "cnn.pt"), (cycle3, cycle2)):
        T.train_denoiser(T.DenoiserConfig(**TINY, steps=2, lr=3e-4), out, data=image_folder, progress_bar=False,
                         validation=VAL, init_from=start)
    assert ship.long_run_command(training / "cnn.pt") == ship.LONG_RUN
    command = ship.long_run_command(cycle3)
    restarts = command.split("; then a warm restart: ")
    assert restarts[0] == ship.LONG_RUN and len(restarts) == 3
    assert f"--init-from {training / 'cnn.pt'}" in restarts[1] and f"--out {cycle2}" in restarts[1]
    assert f"--init-from {cycle2}" in restarts[2] and f"--out {cycle3}" in restarts[2]


def test_ship_refuses_without_a_fine_tune_of_each_objective(tmp_path, ship, training):
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ("cnn.pt", "ft_cnn.pt", "ft_gan_1e-2.pt"):
        (partial / name).write_bytes((training / name).read_bytes())
    with pytest.raises(SystemExit, match="for wgan"):
        ship.main(["--training", str(partial), "--dry-run"])
    state = torch.load(partial / "ft_cnn.pt", map_location="cpu", weights_only=True)
    state["step"] = 1
    torch.save(state, partial / "ft_cnn.pt")
    with pytest.raises(SystemExit, match="expected a finished run"):
        ship.main(["--training", str(partial), "--dry-run"])

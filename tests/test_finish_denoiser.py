"""scripts/finish_denoiser.sh: which stage it runs next, from the checkpoints it finds (DRY_RUN)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "finish_denoiser.sh"


def checkpoint(path: Path, step: int, steps: int) -> None:
    torch.save({"step": step, "config": {"steps": steps}}, path)


def plan(training: Path, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "PY": sys.executable, "TRAINING": str(training), "DRY_RUN": "1", **env}
    return subprocess.run(["bash", str(SCRIPT)], env=full, capture_output=True, text=True, timeout=300)


@pytest.fixture
def training(tmp_path):
    return tmp_path / "training"


def test_without_the_long_run_it_says_how_to_start_it(training):
    training.mkdir()
    done = plan(training)
    assert done.returncode == 2
    assert "expected the long cnn run's checkpoint" in done.stderr and "manifest" in done.stderr


def test_an_unfinished_long_run_is_resumed_first(training):
    training.mkdir()
    checkpoint(training / "cnn.pt", 9000, 14000)
    out = plan(training, LAMBDAS="1e-2").stdout
    assert "cnn.pt: at step 9000 of 14000, resuming" in out
    assert f"train-denoiser --resume {training}/cnn.pt --out {training}/cnn.pt" in out
    # then the control and one gan and one wgan fine-tune, all from the long run
    assert f"--objective cnn --init-from {training}/cnn.pt --steps 500 --lr 1e-4 --out {training}/ft_cnn.pt" in out
    assert f"--objective gan --init-from {training}/cnn.pt --steps 500 --lr 1e-4 --adv-weight 1e-2" in out
    assert f"--objective wgan --init-from {training}/cnn.pt --steps 500 --lr 1e-4 --adv-weight 1e-2 --d-warmup 200" in out
    assert out.index("cnn.pt: at step") < out.index("ft_cnn.pt: starting") < out.index("ft_gan_1e-2.pt")


def test_finished_stages_are_skipped_and_unfinished_ones_resumed(training):
    training.mkdir()
    checkpoint(training / "cnn.pt", 14000, 14000)
    checkpoint(training / "ft_cnn.pt", 500, 500)
    checkpoint(training / "ft_gan_1e-2.pt", 120, 500)
    out = plan(training, LAMBDAS="1e-2 5e-2").stdout
    assert "cnn.pt: finished (14000 of 14000 steps)" in out
    assert "ft_cnn.pt: finished (500 of 500 steps)" in out
    assert f"--resume {training}/ft_gan_1e-2.pt --out {training}/ft_gan_1e-2.pt" in out
    assert "ft_wgan_1e-2.pt: starting" in out and "ft_gan_5e-2.pt: starting" in out and "ft_wgan_5e-2.pt: starting" in out
    assert "--adv-weight 5e-2" in out


def test_each_objective_has_its_own_lambdas_taken_in_turn(training):
    training.mkdir()
    checkpoint(training / "cnn.pt", 14000, 14000)
    checkpoint(training / "ft_cnn.pt", 500, 500)
    checkpoint(training / "ft_gan_3e-3.pt", 500, 500)
    checkpoint(training / "ft_wgan_3e-3.pt", 500, 500)
    out = plan(training).stdout  # the defaults
    assert "ft_gan_3e-3.pt: finished" in out and "ft_wgan_3e-3.pt: finished" in out
    assert out.index("ft_gan_1e-2.pt: starting") < out.index("ft_wgan_1e-3.pt: starting")
    assert "ft_wgan_1e-2.pt" not in out and "ft_gan_1e-3.pt" not in out
    uneven = plan(training, GAN_LAMBDAS="3e-3", WGAN_LAMBDAS="3e-3 1e-3 3e-4").stdout
    assert "ft_wgan_3e-4.pt: starting" in uneven and "ft_gan_1e-2" not in uneven


def test_a_warm_restart_starts_a_new_cycle_from_a_finished_run(training, tmp_path):
    first = tmp_path / "cnn.pt"
    checkpoint(first, 14000, 14000)
    out = plan(training, START_FROM=str(first), LAMBDAS="1e-2").stdout
    assert f"--objective cnn --init-from {first} --steps 8000 --lr 3e-4 --seed 1 --out {training}/cnn.pt" in out
    assert "--log logs/training_cnn.jsonl" in out  # the cycle's logs do not overwrite the first cycle's
    # then its own control and fine-tunes, from the new cycle
    assert f"--objective gan --init-from {training}/cnn.pt" in out
    assert f"--out {training}/ft_gan_1e-2.pt --log logs/training_ft_gan_1e-2.jsonl" in out
    # once it exists it is resumed like any stage, and START_FROM no longer matters
    checkpoint(training / "cnn.pt", 100, 8000)
    assert "cnn.pt: at step 100 of 8000, resuming" in plan(training, START_FROM=str(first)).stdout

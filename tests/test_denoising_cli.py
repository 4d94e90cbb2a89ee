"""Tests for the gancourse command: happy paths, and every bad input exits 2 with one line and no file."""

import subprocess
import sys

import imageio.v3 as iio
import numpy as np
import pytest

from gancourse.denoising import cli
from gancourse.denoising.images import bundled_image

GREY = (bundled_image("camera")[100:164, 100:180] * 255).round().astype(np.uint8)


@pytest.fixture
def files(tmp_path):
    grey = tmp_path / "grey.png"
    iio.imwrite(grey, GREY)
    rgba = tmp_path / "rgba.png"
    alpha = np.linspace(0, 255, GREY.size).reshape(GREY.shape).astype(np.uint8)
    iio.imwrite(rgba, np.dstack([GREY, GREY[::-1], 255 - GREY, alpha]))
    tif16 = tmp_path / "grey16.tif"
    iio.imwrite(tif16, GREY.astype(np.uint16) * 257)
    return {"grey": grey, "rgba": rgba, "tif16": tif16, "alpha": alpha, "dir": tmp_path}


def run(*argv):
    return cli.main([str(a) for a in argv])


def test_add_noise_then_denoise_grey(files, capsys):
    noisy, out = files["dir"] / "noisy.png", files["dir"] / "out.png"
    assert run("add-noise", files["grey"], "-o", noisy, "--sigma", 25, "--seed", 3) == 0
    assert run("denoise", noisy, "-o", out, "--method", "tv", "--sigma", 25) == 0
    clean, y, x = GREY / 255, iio.imread(noisy) / 255, iio.imread(out) / 255
    assert np.mean((x - clean) ** 2) < np.mean((y - clean) ** 2)
    assert "sigma 25.0 (given)" in capsys.readouterr().out


def test_rgb_alpha_is_kept(files):
    out = files["dir"] / "out.png"
    assert run("denoise", files["rgba"], "-o", out, "--method", "median", "--sigma", 10) == 0
    result = iio.imread(out)
    assert result.shape == GREY.shape + (4,)
    np.testing.assert_array_equal(result[..., 3], files["alpha"])


def test_16_bit_stays_16_bit(files):
    out = files["dir"] / "out.tif"
    assert run("denoise", files["tif16"], "-o", out, "--method", "wavelet", "--sigma", "auto") == 0
    assert iio.imread(out).dtype == np.uint16


def test_jpeg_output(files):
    out = files["dir"] / "out.jpg"
    assert run("denoise", files["grey"], "-o", out, "--method", "gaussian", "--sigma", 5) == 0
    assert iio.imread(out).shape[:2] == GREY.shape


def _bomb(path):
    """A PNG whose header claims 9000 x 8000 pixels (72 MP): cheap to write, refused before decoding."""
    from PIL import Image

    Image.frombytes("L", (9000, 8000), bytes(9000 * 8000)).save(path, optimize=False)


@pytest.mark.parametrize("case", ["missing", "corrupt", "not_image", "method", "sigma_text", "sigma_range",
                                  "bomb", "exists", "suffix", "folder"])
def test_bad_input_is_one_line_exit_2_and_no_file(files, capsys, case):
    d = files["dir"]
    out = d / "out.png"
    args = ["denoise", files["grey"], "-o", out, "--method", "tv", "--sigma", "25"]
    if case == "missing":
        args[1] = d / "nope.png"
    elif case == "corrupt":
        bad = d / "cut.png"
        bad.write_bytes(files["grey"].read_bytes()[:200])  # a truncated PNG
        args[1] = bad
    elif case == "not_image":
        bad = d / "notes.png"
        bad.write_text("not an image")
        args[1] = bad
    elif case == "method":
        args[5] = "dncnn"
    elif case == "sigma_text":
        args[7] = "high"
    elif case == "sigma_range":
        args[7] = "300"
    elif case == "bomb":
        _bomb(d / "bomb.png")
        args[1] = d / "bomb.png"
    elif case == "exists":
        out.write_bytes(b"keep me")
    elif case == "suffix":
        out = d / "out.gif"
        args[3] = out
    elif case == "folder":
        (d / "sub.png").mkdir()
        args[3] = out = d / "sub.png"
    before = sorted(p.name for p in d.iterdir())
    assert run(*args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gancourse denoise: error:") and "\n" not in err
    if case == "exists":
        assert out.read_bytes() == b"keep me"  # never overwritten without --force
    elif case != "folder":
        assert not out.exists()
    assert sorted(p.name for p in d.iterdir()) == before  # no temporary file left behind


def test_force_replaces_and_a_failed_write_leaves_nothing(files, monkeypatch):
    out = files["dir"] / "out.png"
    out.write_bytes(b"old")
    assert run("add-noise", files["grey"], "-o", out, "--sigma", 5, "--force") == 0
    assert iio.imread(out).shape == GREY.shape

    def broken(path, image, **kw):
        with open(path, "wb") as fh:
            fh.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(iio, "imwrite", broken)
    with pytest.raises(OSError, match="disk full"):
        run("add-noise", files["grey"], "-o", files["dir"] / "new.png", "--sigma", 5)
    assert not (files["dir"] / "new.png").exists()
    assert not [p for p in files["dir"].iterdir() if p.name.startswith(".new")]


def test_add_noise_bad_sigma(files, capsys):
    assert run("add-noise", files["grey"], "-o", files["dir"] / "n.png", "--sigma", -5) == 2
    assert "[0, 255]" in capsys.readouterr().err


def test_help_has_examples_and_module_entry_point_works():
    result = subprocess.run([sys.executable, "-m", "gancourse", "denoise", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "examples:" in result.stdout and "gancourse add-noise" in result.stdout
    result = subprocess.run([sys.executable, "-m", "gancourse", "denoise"], capture_output=True, text=True)
    assert result.returncode == 2  # argparse: missing arguments


def test_train_denoiser_refuses_settings_on_resume_and_an_existing_out(files, capsys):
    out = files["dir"] / "run.pt"
    out.write_bytes(b"a run")
    assert run("train-denoiser", "--resume", out, "--out", out, "--steps", 10) == 2
    assert "cannot change on --resume" in capsys.readouterr().err
    assert run("train-denoiser", "--resume", out, "--out", out, "--d-warmup", 100) == 2
    assert "--d-warmup cannot change on --resume" in capsys.readouterr().err
    assert run("train-denoiser", "--out", out) == 2
    assert "--force" in capsys.readouterr().err and out.read_bytes() == b"a run"


def test_train_denoiser_runs_and_resumes(files, capsys, monkeypatch):
    from gancourse.denoising import images, train

    tiny = {"camera": bundled_image("camera")[:64, :64]}
    monkeypatch.setattr(train, "held_out_images", lambda: tiny)  # validate on one small crop
    monkeypatch.setattr(images, "HELD_OUT_IMAGES", ("camera",))
    real_precise_bn = train.precise_bn  # 2 batches, not 100, for the logged re-estimated statistics
    monkeypatch.setattr(train, "precise_bn", lambda g, s, *, batches=2, batch_size=32: real_precise_bn(
        g, s, batches=2, batch_size=batch_size))
    folder = files["dir"] / "train"
    folder.mkdir()
    iio.imwrite(folder / "a.png", GREY)
    out = files["dir"] / "run.pt"
    assert run("train-denoiser", "--data", folder, "--steps", 2, "--out", out) == 0
    printed = capsys.readouterr().out
    assert "step 2/2" in printed and "min of training (wall clock;" in printed and "CPU min, all threads, since step 0" in printed
    assert run("train-denoiser", "--resume", out, "--out", out) == 0  # already finished: nothing to do
    assert "step 2/2" in capsys.readouterr().out

"""Notebook 05's plotting helpers (gancourse.denoising.lesson)."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from gancourse.denoising import lesson  # noqa: E402


def test_label_groups_merges_only_points_that_coincide():
    points = {"tv": (0.30, 28.9), "cnn": (0.67, 28.77), "gan": (0.65, 28.79), "wgan": (0.64, 28.80),
              "bm3d": (0.51, 30.86)}
    groups = lesson.label_groups(points, x_tol=0.05, y_tol=0.1)
    assert groups == [("tv", 0.30, 28.9), ("cnn / gan / wgan", 0.67, 28.77), ("bm3d", 0.51, 30.86)]
    # close in x alone, or in y alone, is not close: tv and cnn share a PSNR band but not texture
    assert [g[0] for g in lesson.label_groups({"a": (0.0, 1.0), "b": (0.01, 5.0), "c": (3.0, 1.02)},
                                              x_tol=0.05, y_tol=0.1)] == ["a", "b", "c"]


def test_plot_tradeoff_writes_one_label_per_group_and_skips_the_noisy_input():
    rows = [{"method": m, "sigma": s, "psnr": p, "hf_ratio": h} for m, s, p, h in [
        ("noisy", 25.0, 20.5, 9.4), ("tv", 25.0, 28.92, 0.30), ("cnn", 25.0, 28.77, 0.67),
        ("gan", 25.0, 28.79, 0.65), ("bm3d", 25.0, 30.86, 0.51), ("cnn", 15.0, 29.8, 1.13)]]
    ax = lesson.plot_tradeoff(rows, sigma=25.0)
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == ["bm3d", "cnn / gan", "tv"]
    assert len(ax.collections) == 4  # one point per method at sigma 25, the noisy input left out


def test_learning_curve_adds_the_re_estimated_statistics_where_the_log_has_them():
    rows = [{"step": 0, "val_psnr_25": 20.0}, {"step": 10, "val_psnr_25": 25.0, "val_psnr_25_precise_bn": 27.0},
            {"step": 10, "d_warmup": 5}, {"step": 20, "val_psnr_25": 26.0, "val_psnr_25_precise_bn": 27.5}]
    ax = lesson.plot_learning_curve(rows, x="step", reference={"BM3D": 28.0})
    raw, precise = ax.lines[0], ax.lines[1]
    assert list(raw.get_xdata()) == [0, 10, 20] and list(raw.get_ydata()) == [20.0, 25.0, 26.0]
    assert list(precise.get_xdata()) == [10, 20] and list(precise.get_ydata()) == [27.0, 27.5]
    assert "re-estimated" in precise.get_label()
    only_raw = lesson.plot_learning_curve(rows[:1], x="step")
    assert len(only_raw.lines) == 1


def test_sigma_knob_at_the_true_level_is_the_plain_denoiser_and_lower_levels_keep_more_detail():
    from gancourse.denoising.images import bundled_image

    clean = bundled_image("astronaut")[30:110, 140:220]
    _, rows = lesson.compare_methods(clean, ["cnn"], sigma=25, seed=1)
    knob = lesson.sigma_knob(clean, [25, 20, 15], sigma=25, seed=1)
    assert [r["method"] for r in knob] == ["cnn, told 25", "cnn, told 20", "cnn, told 15"]
    assert knob[0]["psnr"] == pytest.approx(rows[0]["psnr"]) and knob[0]["hf_ratio"] == pytest.approx(rows[0]["hf_ratio"])
    textures = [r["hf_ratio"] for r in knob]
    assert textures[0] < textures[1] < textures[2]  # told less noise, it removes less
    table = lesson.results_table(knob, columns=("method", "psnr"))
    assert table.splitlines()[1].startswith("cnn, told 25 ") and len({len(line) for line in table.splitlines()}) == 1


def test_join_runs_counts_steps_and_minutes_from_the_first_cycle():
    history = [{"step": 100, "log": [{"step": 0, "minutes": 0.0, "val_psnr_25": 20.0},
                                     {"step": 100, "minutes": 30.0, "val_psnr_25": 28.0}]},
               {"step": 50, "log": [{"step": 0, "minutes": 0.0, "val_psnr_25": 28.0},
                                    {"step": 50, "minutes": 12.5, "val_psnr_25": 28.4}]}]
    rows, starts = lesson.join_runs(history)
    assert [r["step"] for r in rows] == [0, 100, 100, 150]
    assert [r["minutes"] for r in rows] == [0.0, 30.0, 30.0, 42.5]
    assert [r["cycle"] for r in rows] == [1, 1, 2, 2] and starts == [100]
    assert history[1]["log"][1]["step"] == 50  # the records themselves are left alone
    ax = lesson.plot_runs(history, reference={"BM3D": 29.0})
    assert list(ax.lines[0].get_xdata()) == [0, 100, 100, 150]
    restart = [line for line in ax.lines if line.get_label() == "warm restart"]
    assert len(restart) == 1 and list(restart[0].get_xdata()) == [100, 100]
    assert lesson.join_runs(history[:1]) == ([{**r, "cycle": 1} for r in history[0]["log"]], [])

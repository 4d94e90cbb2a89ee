import numpy as np
import pytest
import torch

import gancourse as gc


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_seed_everything_repeats_numpy_and_torch_streams(seed):
    gc.seed_everything(seed)
    a = (np.random.rand(3), torch.rand(3))  # noqa: NPY002
    gc.seed_everything(seed)
    b = (np.random.rand(3), torch.rand(3))  # noqa: NPY002
    np.testing.assert_array_equal(a[0], b[0])
    assert torch.equal(a[1], b[1])


def test_seed_everything_returns_a_seeded_generator():
    g1, g2 = gc.seed_everything(7), gc.seed_everything(7)
    assert torch.equal(torch.rand(4, generator=g1), torch.rand(4, generator=g2))


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="non-negative integer seed"):
        gc.seed_everything(bad)


def test_pick_device_auto_and_cpu():
    assert gc.pick_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else None
    auto = gc.pick_device("auto")
    assert auto.type in ("cpu", "cuda", "mps")
    if expected:
        assert auto.type == expected
    assert gc.pick_device(None) == auto


def test_pick_device_unknown_name_says_what_is_allowed():
    with pytest.raises(ValueError, match=r"unknown device 'gpu'.*cpu, cuda, mps.*'auto'"):
        gc.pick_device("gpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_pick_device_missing_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="no CUDA GPU is visible"):
        gc.pick_device("cuda")


def test_set_threads_policy_and_override(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.delenv("GANCOURSE_THREADS", raising=False)
    try:
        assert gc.set_threads("small") == gc.THREAD_POLICY["small"] == 1
        assert gc.set_threads("conv") == gc.runtime.available_cores()
        assert gc.set_threads("small", n=2) == 2
        monkeypatch.setenv("GANCOURSE_THREADS", "1")
        assert gc.set_threads("conv") == 1
    finally:
        torch.set_num_threads(before)


def test_set_threads_rejects_unknown_workload():
    with pytest.raises(ValueError, match="unknown workload 'huge'.*'small'.*'conv'"):
        gc.set_threads("huge")


def test_checkpoint_round_trip(tmp_path):
    obj = {"weights": torch.arange(6.0).reshape(2, 3), "step": 3}
    path = gc.save_checkpoint(obj, tmp_path / "sub" / "model.pt")
    back = gc.load_checkpoint(path)
    assert torch.equal(back["weights"], obj["weights"]) and back["step"] == 3


def test_save_checkpoint_never_overwrites_by_accident(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"user data")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        gc.save_checkpoint({"a": torch.zeros(1)}, path)
    assert path.read_bytes() == b"user data"
    gc.save_checkpoint({"a": torch.zeros(1)}, path, overwrite=True)
    assert torch.equal(gc.load_checkpoint(path)["a"], torch.zeros(1))


def test_missing_checkpoint_names_the_fix(tmp_path):
    with pytest.raises(gc.CheckpointError, match=r"not found.*make checkpoints"):
        gc.load_checkpoint(tmp_path / "nope.pt")


def test_corrupt_checkpoint_is_reported_as_corrupt(tmp_path):
    path = tmp_path / "bad.pt"
    path.write_bytes(b"this is not a torch file")
    with pytest.raises(gc.CheckpointError, match="corrupt"):
        gc.load_checkpoint(path)


def test_checkpoint_loading_refuses_arbitrary_pickles(tmp_path):
    import pickle

    path = tmp_path / "evil.pt"
    torch.save({"obj": pickle.dumps(1), "fn": print}, path)  # a callable is not weights-only
    with pytest.raises(gc.CheckpointError, match="could not be read"):
        gc.load_checkpoint(path)


def test_load_or_train_trains_once_then_loads(tmp_path, capsys):
    path = tmp_path / "ckpt.pt"
    calls = []

    def train():
        calls.append(1)
        return {"w": torch.ones(2)}

    first = gc.load_or_train(path, train)
    second = gc.load_or_train(path, train)
    assert len(calls) == 1 and torch.equal(first["w"], second["w"])
    out = capsys.readouterr().out
    assert "training" in out.lower() and "Found checkpoint ckpt.pt, loading it" in out


def test_load_or_train_forced_training_keeps_the_existing_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    gc.save_checkpoint({"w": torch.zeros(1)}, path)
    result = gc.load_or_train(path, lambda: {"w": torch.ones(1)}, train=True, verbose=False)
    assert torch.equal(result["w"], torch.ones(1))
    assert torch.equal(gc.load_checkpoint(path)["w"], torch.zeros(1))


def test_progress_can_be_silenced(monkeypatch):
    monkeypatch.setenv("GANCOURSE_PROGRESS", "0")
    bar = gc.progress(range(3))
    assert bar.disable and list(bar) == [0, 1, 2]


# ---------------------------------------------------------------- issue 12: checkpoints and threads
@pytest.mark.parametrize(
    ("obj", "match"),
    [
        (torch.nn.Linear(2, 1), r"state_dict\(\)"),
        ({"w": np.zeros(3)}, r"obj\['w'\] is a NumPy ndarray.*torch.as_tensor"),
        ({"history": gc.History()}, r"obj\['history'\] is a History; save obj\['history'\]\.to_dict\(\)"),
        ({"x": object()}, r"obj\['x'\] is a object"),
        ([1, print], r"obj\[1\] is a builtin_function_or_method"),
    ],
)
def test_save_checkpoint_refuses_what_load_cannot_read_back(tmp_path, obj, match):
    path = tmp_path / "c.pt"
    with pytest.raises(TypeError, match=match):
        gc.save_checkpoint(obj, path)
    assert not path.exists() and not list(tmp_path.iterdir())  # no file, no .tmp left behind


def test_save_checkpoint_round_trips_what_it_accepts(tmp_path):
    obj = {"w": torch.arange(3.0), "step": 7, "name": "x", "losses": [0.5, 0.25], "shape": (2, 3), "none": None}
    back = gc.load_checkpoint(gc.save_checkpoint(obj, tmp_path / "c.pt"))
    assert torch.equal(back["w"], obj["w"]) and {k: back[k] for k in obj if k != "w"} == {
        k: obj[k] for k in obj if k != "w"}


def test_a_directory_is_not_a_checkpoint_path(tmp_path):
    calls = []
    with pytest.raises(ValueError, match="is a directory; expected"):
        gc.load_or_train(tmp_path, lambda: calls.append(1) or {"w": torch.zeros(1)}, verbose=False)
    assert calls == []  # refused before training starts
    with pytest.raises(ValueError, match="is a directory"):
        gc.save_checkpoint({"w": torch.zeros(1)}, tmp_path)
    with pytest.raises(gc.CheckpointError, match="is a directory"):
        gc.load_checkpoint(tmp_path)


def test_load_or_train_keeps_the_training_when_saving_fails(tmp_path):
    path = tmp_path / "c.pt"
    result = {"model": torch.nn.Linear(1, 1)}  # not saveable
    with pytest.warns(RuntimeWarning, match="could not save.*returned unsaved"):
        got = gc.load_or_train(path, lambda: result, verbose=False)
    assert got is result
    assert list(tmp_path.iterdir()) == []  # neither the checkpoint nor a .tmp file


def test_a_bad_map_location_is_not_called_a_corrupt_file(tmp_path):
    path = gc.save_checkpoint({"w": torch.zeros(1)}, tmp_path / "c.pt")
    with pytest.raises(ValueError, match=r"map_location must name a device.*got 'gpu0'") as info:
        gc.load_checkpoint(path, map_location="gpu0")
    assert "corrupt" not in str(info.value) and "elete" not in str(info.value)


def test_a_fine_but_unsafe_file_is_not_called_corrupt(tmp_path):
    path = tmp_path / "trusted.pt"
    torch.save({"fn": print}, path)
    with pytest.raises(gc.CheckpointError, match="weights_only=False") as info:
        gc.load_checkpoint(path)
    assert "corrupt" not in str(info.value) and "Delete" not in str(info.value)


@pytest.mark.parametrize("value", ["abc", "1.5", "two"])
def test_gancourse_threads_that_is_not_a_number_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("GANCOURSE_THREADS", value)
    before = torch.get_num_threads()
    with pytest.raises(ValueError, match=rf"GANCOURSE_THREADS must be a whole number.*got '{value}'"):
        gc.set_threads("small")
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("n", ["2", 1.5, True])
def test_set_threads_n_must_be_an_integer(monkeypatch, n):
    monkeypatch.delenv("GANCOURSE_THREADS", raising=False)
    with pytest.raises(TypeError, match="whole number of threads"):
        gc.set_threads("small", n=n)


def test_restores_global_rng_puts_back_every_global_stream_even_after_an_error():
    import random

    from gancourse.runtime import restores_global_rng

    @restores_global_rng
    def reseeds_and_fails():
        gc.seed_everything(0)
        torch.rand(3)
        raise RuntimeError("boom")

    torch.manual_seed(42)
    np.random.seed(42)  # noqa: NPY002
    random.seed(42)
    before = (torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())  # noqa: NPY002
    with pytest.raises(RuntimeError, match="boom"):
        reseeds_and_fails()
    assert torch.equal(before[0], torch.get_rng_state())
    assert np.array_equal(before[1], np.random.get_state()[1]) and before[2] == random.getstate()  # noqa: NPY002


def test_the_trainers_that_seed_themselves_are_wrapped():
    from gancourse.digits import train_dcgan_digits
    from gancourse.flows import make_toy_flow
    from gancourse.wgan_experiments import compare_critics, train_toy_comparison, train_wgan_gp_digits

    for fn in (train_dcgan_digits, train_wgan_gp_digits, compare_critics, train_toy_comparison, make_toy_flow,
               gc.make_toy_gan, gc.train_critic, gc.mode_collapse_study):
        assert hasattr(fn, "__wrapped__"), fn.__name__  # functools.wraps of restores_global_rng

"""scripts/audit_readings.py flags the text's numbers that no output or data file holds, and only those."""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("audit_readings", ROOT / "scripts" / "audit_readings.py")
audit_readings = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_readings)


def _notebook(path, text, printed):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("print(...)")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    nb.cells = [code, nbformat.v4.new_markdown_cell(text)]
    nbformat.write(nb, path)
    return path


def test_flags_a_stale_reading_and_only_it(tmp_path, capsys):
    nb = _notebook(tmp_path / "n.ipynb", "The CNN scores 30.45 dB (SSIM 0.84), BM3D 30.91 dB; cited: "
                   "[arXiv:1608.03981](https://arxiv.org/abs/1608.03981).", "cnn 30.451 0.838\nbm3d 30.86\n")
    assert audit_readings.main([str(nb), "--data"]) == 1
    out = capsys.readouterr().out
    assert "30.91" in out and "1 of 3 numbers" in out  # 30.45 and 0.84 round from the output; the arXiv id is skipped
    flagged = audit_readings.audit(nbformat.read(nb, as_version=4), [30.451, 0.838, 30.86])
    assert [token for _, token, _ in flagged] == ["30.91"]


def test_reads_json_and_checkpoint_manifests(tmp_path, capsys):
    nb = _notebook(tmp_path / "n.ipynb", "Validation 30.49 dB after 300.2 minutes; BM3D 9.65 s.", "nothing\n")
    (tmp_path / "bench.json").write_text(json.dumps({"rows": [{"seconds": 9.6512}]}))
    torch.save({"manifest": {"val": 30.4903}, "log": [{"minutes": 300.2}], "model": {"w": torch.ones(2)}},
               tmp_path / "w.pt")
    assert audit_readings.main([str(nb), "--data", str(tmp_path / "bench.json"), str(tmp_path / "w.pt")]) == 0
    assert "0 of 3 numbers" in capsys.readouterr().out


def test_missing_files_are_clear_errors(tmp_path):
    with pytest.raises(SystemExit) as err:
        audit_readings.main([str(tmp_path / "none.ipynb")])
    assert err.value.code == 2
    nb = _notebook(tmp_path / "n.ipynb", "1.5", "1.5")
    with pytest.raises(SystemExit):
        audit_readings.main([str(nb), "--data", str(tmp_path / "missing.json")])


def test_the_denoising_notebook_reads_its_own_numbers():
    """Notebook 05's text: every decimal number matches an output or the shipped data, but the few
    known cited or derived ones (a paper's BSD68 figures; SRGAN's weight rescaled; a figure's title)."""
    nb = nbformat.read(ROOT / "notebooks" / "05_denoising.ipynb", as_version=4)
    sources = audit_readings.output_numbers(nb)
    for path in (ROOT / "data" / "denoise_benchmark.json", *sorted((ROOT / "data" / "weights").glob("*.pt"))):
        sources.extend(audit_readings.numbers_in_file(path))
    flagged = {token for _, token, _ in audit_readings.audit(nb, sources)}
    # cited: DnCNN-B's and BM3D's BSD68 scores, DnCNN-B's 19.2 million patch presentations (50 epochs
    # of 128 x 3,000); derived: SRGAN's weight rescaled to [0, 1] (2.5e-4), DnCNN-B's multiply-adds
    # per pixel over this network's (5.5, from the layer sizes); a figure title's 20.69
    assert flagged <= {"29.16", "28.57", "19.2", "2.5", "5.5", "20.69"}, flagged

"""Shared test set-up: headless matplotlib, one torch thread, quiet progress bars."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("GANCOURSE_PROGRESS", "0")

import torch  # noqa: E402

torch.set_num_threads(1)

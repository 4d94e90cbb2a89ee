"""Notebook 05: GAN image denoising."""

"""Steps per second of notebook 03's toy GAN loop under the course's thread policy vs torch's defaults,
and the time it takes to cover all 8 modes of the ring.

    python benchmarks/bench_threads.py            # the full table (a few minutes)
    python benchmarks/bench_threads.py --quick    # fewer steps, for a smoke test

A benchmark, not a timed test: the numbers depend on the machine and on what else runs on it.
The course's policy (one thread for toy models) protects against the worst case, a busy
machine, where threads that wait for each other can make a small step ten times slower; on
an idle machine two threads can be a little faster. The load average is printed for that reason.
Settings are measured in interleaved rounds (A B A B ...) so that a change in background load
hits all of them alike, and the median is reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

import gancourse as gc


def steps_per_second(threads: int, foreach: bool, seconds: float, seed: int = 0) -> float:
    """Run the toy loop (ring of 8 Gaussians, the notebook's settings) for about ``seconds``; return steps/s."""
    torch.set_num_threads(threads)
    generator, discriminator, d_optimizer, g_optimizer = gc.make_toy_gan(seed=seed)
    if not foreach:  # the same optimizers, updating one tensor at a time
        d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999), foreach=False)
        g_optimizer = torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999), foreach=False)
    target = gc.ring8()
    history = gc.History()

    def run(steps: int) -> None:
        gc.train_gan(generator, discriminator, target.sample, steps=steps, batch_size=256, latent_dim=2,
                     d_optimizer=d_optimizer, g_optimizer=g_optimizer, progress=False, seed=None, history=history)

    run(5)  # warm-up
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:  # chunks of 10 steps until the time is up
        run(10)
        done += 10
    return done / (time.perf_counter() - t0)


def time_to_all_modes(seed: int, max_steps: int, every: int = 100) -> tuple[int | None, float]:
    """Steps and seconds until the generator first reaches all 8 ring modes with sharp samples (checked every ``every`` steps)."""
    gc.set_threads("small")
    generator, discriminator, d_optimizer, g_optimizer = gc.make_toy_gan(seed=seed)
    target = gc.ring8()
    metrics = gc.toy_metrics(target)
    history, train_seconds = gc.History(), 0.0
    torch.manual_seed(seed)
    while len(history) < max_steps:
        t0 = time.perf_counter()
        gc.train_gan(generator, discriminator, target.sample, steps=every, batch_size=256, latent_dim=2,
                     d_optimizer=d_optimizer, g_optimizer=g_optimizer, progress=False, seed=None, history=history)
        train_seconds += time.perf_counter() - t0  # training time only, not the evaluations
        if metrics(generator)["modes_sharp"] == 8:  # every mode reached, each with enough high-quality samples
            return len(history), train_seconds
    return None, train_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer steps and seeds")
    args = parser.parse_args(argv)
    seconds, rounds, seeds, max_steps = (2.0, 1, [0], 400) if args.quick else (10.0, 3, [0, 1, 2], 5000)

    load_before = os.getloadavg()[0]
    default_threads = torch.get_num_threads()  # torch's default: one per core
    policy_threads = gc.THREAD_POLICY["small"]
    settings = {
        f"policy: {policy_threads} thread, foreach Adam": (policy_threads, True),
        f"policy: {policy_threads} thread, per-tensor Adam": (policy_threads, False),
        f"torch default: {default_threads} threads, foreach Adam": (default_threads, True),
        f"torch default: {default_threads} threads, per-tensor Adam": (default_threads, False),
    }
    samples: dict[str, list[float]] = {name: [] for name in settings}
    for _ in range(rounds):
        for name, (threads, foreach) in settings.items():
            samples[name].append(steps_per_second(threads, foreach, seconds))
    torch.set_num_threads(default_threads)

    print(f"Toy GAN loop (ring8, MLPs {gc.ToyGANConfig().n_hidden}x{gc.ToyGANConfig().hidden_dim}, batch 256), "
          f"~{seconds:.0f} s per measurement x {rounds} interleaved rounds, {gc.runtime.available_cores()} cores visible, "
          f"load average {load_before:.1f} before -> {os.getloadavg()[0]:.1f} after (other processes compete for the cores)")
    width = max(map(len, settings))
    print(f"{'setting':<{width}}  steps/s (median)  per round")
    best = max(statistics.median(v) for v in samples.values())
    for name, values in samples.items():
        rate = statistics.median(values)
        print(f"{name:<{width}}  {rate:16.1f}  {' '.join(f'{v:.0f}' for v in values)}"
              + ("   <- fastest" if rate == best else ""))

    print(f"\nTime to cover 8/8 ring modes (thread policy, foreach Adam; checked every 100 steps, max {max_steps})")
    print("seed  steps  seconds")
    for seed in seeds:
        n, seconds = time_to_all_modes(seed, max_steps)
        print(f"{seed:4d}  {n if n is not None else 'never':>5}  {seconds:7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

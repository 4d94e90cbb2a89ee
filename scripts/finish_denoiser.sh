#!/usr/bin/env bash
# Finish training notebook 05's shipped denoisers, unattended and resumable.
#
#   GANCOURSE_THREADS=2 nohup scripts/finish_denoiser.sh > logs/finish.out 2>&1 &
#
# Run it again after an interruption (a session ending, a reboot) and it goes on from the
# last checkpoint of the stage it was in; finished stages are skipped. The checkpoints live
# in data/training/ (each file under 5 MB): commit them as they appear so that the next
# session can continue. Stages, in order:
#
#   1. data/training/cnn.pt          the long pixel-loss run (14,000 steps, lr 1e-3 -> 1e-5);
#                                    started with the command in data/weights/cnn.pt's manifest
#   2. data/training/ft_cnn.pt       control: the same fine-tune as 3 without the adversarial
#                                    term, so that "cnn" and "gan"/"wgan" see the same steps
#   3. data/training/ft_{gan,wgan}_<lambda>.pt   SRGAN-style fine-tunes from stage 1, one per
#                                    adversarial weight lambda in $GAN_LAMBDAS / $WGAN_LAMBDAS
#
# It trains only; then scripts/ship_denoisers.py chooses lambda and writes data/weights/*.pt,
# and benchmarks/denoise.py measures them.
#
# Settings (environment): PY (python, default .venv/bin/python), FT_STEPS (500), FT_LR (1e-4),
# GAN_LAMBDAS ("3e-3 1e-2"), WGAN_LAMBDAS ("3e-3 1e-3"), or LAMBDAS for both, D_WARMUP (200
# discriminator steps before each adversarial fine-tune),
# TRAINING (data/training), DRY_RUN=1 prints the commands instead.
# A second cycle of the long run, with its own fine-tunes in another folder:
#   START_FROM=data/training/cnn.pt TRAINING=data/training/cycle2 scripts/finish_denoiser.sh
# starts TRAINING/cnn.pt from START_FROM's weights (LONG_STEPS 8000, LONG_LR 3e-4 -> 3e-6,
# LONG_SEED 1); then python scripts/ship_denoisers.py --training data/training/cycle2.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
TRAINING=${TRAINING:-data/training}
FT_STEPS=${FT_STEPS:-500}
FT_LR=${FT_LR:-1e-4}
# lambda for each objective: after the discriminator warm-up, the adversarial gradient on the output
# is about 0.24x the pixel gradient for gan at 3e-3 and 1.9x for wgan at 3e-3 (logged
# grad_ratio_adv_pixel_after_warmup), so the second value goes up for gan and down for wgan
GAN_LAMBDAS=${GAN_LAMBDAS:-${LAMBDAS:-"3e-3 1e-2"}}
WGAN_LAMBDAS=${WGAN_LAMBDAS:-${LAMBDAS:-"3e-3 1e-3"}}
D_WARMUP=${D_WARMUP:-200}
mkdir -p logs

# "<step> <steps>" of a checkpoint: how far it is, and how long its schedule
progress() {
    "$PY" -c 'import sys, torch
s = torch.load(sys.argv[1], map_location="cpu", weights_only=True)
print(s["step"], s["config"]["steps"])' "$1"
}

# stage OUT [train-denoiser options]: resume OUT if it is unfinished, start it if it is missing
stage() {
    local out=$1 step total
    shift
    local cmd=("$PY" -m gancourse train-denoiser)
    if [[ -f $out ]]; then
        read -r step total < <(progress "$out")
        if ((step >= total)); then
            echo "$out: finished ($step of $total steps)"
            return 0
        fi
        echo "$out: at step $step of $total, resuming"
        cmd+=(--resume "$out")
    else
        echo "$out: starting"
        cmd+=("$@")
    fi
    local log=logs/$(basename "$out" .pt).jsonl
    [[ $TRAINING == data/training ]] || log=logs/$(basename "$TRAINING")_$(basename "$out" .pt).jsonl
    cmd+=(--out "$out" --log "$log")
    if [[ ${DRY_RUN:-0} == 1 ]]; then
        echo "would run: ${cmd[*]}"
    else
        "${cmd[@]}"
    fi
}

main=$TRAINING/cnn.pt
if [[ -f $main ]]; then
    stage "$main"
elif [[ -n ${START_FROM:-} ]]; then
    # a warm restart (Loshchilov & Hutter's SGDR): a new cosine cycle from a finished long run's
    # weights, with fresh optimizer moments and a new patch seed, so that it does not replay
    # the first cycle's patches
    mkdir -p "$TRAINING"
    stage "$main" --objective cnn --init-from "$START_FROM" --steps "${LONG_STEPS:-8000}" \
        --lr "${LONG_LR:-3e-4}" --seed "${LONG_SEED:-1}"
else
    echo "expected the long cnn run's checkpoint at $main; start it with the command in data/weights/cnn.pt's" \
        "manifest, or warm-restart from a finished one with START_FROM=data/training/cnn.pt TRAINING=DIR" >&2
    exit 2
fi
if [[ ${DRY_RUN:-0} != 1 ]]; then
    read -r step total < <(progress "$main")
    ((step >= total)) || { echo "$main stopped at step $step of $total; run this script again" >&2; exit 1; }
fi
stage "$TRAINING/ft_cnn.pt" --objective cnn --init-from "$main" --steps "$FT_STEPS" --lr "$FT_LR"
# one gan and one wgan fine-tune per position in the two lists, in turn
read -r -a gan_lambdas <<< "$GAN_LAMBDAS"
read -r -a wgan_lambdas <<< "$WGAN_LAMBDAS"
n=$(( ${#gan_lambdas[@]} > ${#wgan_lambdas[@]} ? ${#gan_lambdas[@]} : ${#wgan_lambdas[@]} ))
for ((i = 0; i < n; i++)); do
    for objective in gan wgan; do
        if [[ $objective == gan ]]; then lambda=${gan_lambdas[i]:-}; else lambda=${wgan_lambdas[i]:-}; fi
        [[ -n $lambda ]] || continue
        stage "$TRAINING/ft_${objective}_${lambda}.pt" --objective "$objective" --init-from "$main" \
            --steps "$FT_STEPS" --lr "$FT_LR" --adv-weight "$lambda" --d-warmup "$D_WARMUP"
    done
done
echo "all stages finished; next: python scripts/ship_denoisers.py (chooses lambda, writes data/weights/*.pt), then python benchmarks/denoise.py on an idle machine"

#!/usr/bin/env bash
# The prepared GPU run (the reading issue): from a pack (`python -m training.pack`), on one
# GPU, within a time limit, writing at most 8 files to $OUT:
#   1. two readers at once from the shipped one: `s6` (its 6 layers) and `t12` (grown to 12
#      layers, each layer repeated), on all the training groups;
#   2. `d6`: the shipped reader trained again, distilled from t12's scores.
# Each reader comes back as NAME-1.safetensors, NAME-2.safetensors (python -m
# training.returned joins and measures them); s6.log and t12.log beside them.
#   usage: OUT=folder training/gpu-run.sh PACK [SECONDS_PHASE_1] [SECONDS_PHASE_2]
# The seconds are training time; each process adds about a minute of setting up, checks and
# writing. On the CPU (no CUDA) it runs too, slowly: the tests run train_gpu.py directly.
set -uo pipefail
cd "$(dirname "$0")/.."
pack="${1:-.gpu/pack}"
phase1="${2:-220}"
phase2="${3:-130}"
out="${OUT:?set OUT to the folder for the weights}"
export PYTHONUNBUFFERED=1
py="${PYTHON:-python3}"
"$py" -c "import torch, transformers; print('torch', torch.__version__, 'transformers',
transformers.__version__, 'cuda', torch.cuda.is_available())"
teacher="$(mktemp -d)/t12.npy"
"$py" training/train_gpu.py "$pack" --name s6 --out "$out" --seconds "$phase1" \
  --epochs 3 --lr 6e-5 >"$out/s6.log" 2>&1 &
s6=$!
"$py" training/train_gpu.py "$pack" --name t12 --out "$out" --layers 12 --seconds "$phase1" \
  --epochs 3 --lr 6e-5 --save-teacher "$teacher" >"$out/t12.log" 2>&1 &
t12=$!
wait "$s6"; echo "s6 exit $?"
wait "$t12"; echo "t12 exit $?"
grep -h "done:" "$out/s6.log" "$out/t12.log"
if [ -f "$teacher" ]; then
  "$py" training/train_gpu.py "$pack" --name d6 --out "$out" --seconds "$phase2" \
    --epochs 2 --lr 6e-5 --teacher "$teacher"
  echo "d6 exit $?"
fi
tail -n 3 "$out/s6.log" "$out/t12.log"

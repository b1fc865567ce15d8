#!/usr/bin/env bash
# The prepared GPU run (the reading issue): from a pack (`python -m training.pack`), on one
# GPU, within a time limit, writing at most 8 files to $OUT: four readers trained from the
# shipped one on all the training groups (role negatives first), two at a time:
#   1. `s6` (as the shipped reader was trained) and `a6` (the same, reading each news
#      candidate's age as words: --age-words), seed 13;
#   2. `s6b` and `a6b`: the same two with seed 14, so that the age words' effect can be told
#      from a seed's.
# Each reader comes back as NAME-1.safetensors, NAME-2.safetensors (python -m
# training.returned joins and measures them); the logs stay outside $OUT (8 files at most
# come back) and their ends are printed.
#   usage: OUT=folder training/gpu-run.sh PACK [SECONDS_PHASE_1] [SECONDS_PHASE_2]
# The seconds are training time; each process adds about a minute of setting up, checks and
# writing. On the CPU (no CUDA) it runs too, slowly: the tests run train_gpu.py directly.
set -uo pipefail
cd "$(dirname "$0")/.."
pack="${1:-.gpu/pack}"
phase1="${2:-180}"
phase2="${3:-180}"
out="${OUT:?set OUT to the folder for the weights}"
logs="$(mktemp -d)"
extra="${GPU_RUN_ARGS:-}"  # e.g. "--max-steps 2 --device cpu" to try it on the CPU
export PYTHONUNBUFFERED=1
py="${PYTHON:-python3}"
"$py" -c "import torch, transformers; print('torch', torch.__version__, 'transformers',
transformers.__version__, 'cuda', torch.cuda.is_available())"
pair() {  # seconds seed name-plain name-aged
  "$py" training/train_gpu.py "$pack" --name "$3" --out "$out" --seconds "$1" --seed "$2" \
    --epochs 3 --lr 6e-5 $extra >"$logs/$3.log" 2>&1 &
  local plain=$!
  "$py" training/train_gpu.py "$pack" --name "$4" --out "$out" --seconds "$1" --seed "$2" \
    --epochs 3 --lr 6e-5 --age-words $extra >"$logs/$4.log" 2>&1 &
  local aged=$!
  wait "$plain"; echo "$3 exit $?"
  wait "$aged"; echo "$4 exit $?"
  grep -h "done:" "$logs/$3.log" "$logs/$4.log"
}
pair "$phase1" 13 s6 a6
pair "$phase2" 14 s6b a6b
tail -n 4 "$logs"/*.log

#!/usr/bin/env bash
# Starts or resumes one stage of the CPU-scale generative models (packages/models/weights/README.md).
# Usage, from anywhere: training-runs/train.sh <run>  with <run> one of the names below.
# The run's folder is training-runs/<run>/: checkpoints (the last one only), train-log.jsonl.
# Rerunning resumes from the last checkpoint; committing the folder lets another machine
# resume it (`git pull`, then the same command). Runs at nice 10, one wasm thread.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
RUN="${1:?usage: training-runs/train.sh <run> (mric-small-stage2 | mric-small-stage1b | egic-orp-small-stage1 | egic-orp-small-stage2 | egic-orp-small-stage3 | egic-orp-small-stage3-from1 | hific-small-stage1 | hific-small-stage2)}"
OUT="training-runs/$RUN"
D=../shared/data
LPIPS=$D/lpips/lpips_alex_v0.1.safetensors
DATA=(--data $D/bsds500 --data $D/clic/clic-professional --crop 128 --batch 4 --log-every 25 --checkpoint-every 100)
EGIC='{"analysisChannels":[32,48,64,96],"analysisDepths":[1,1,2,1],"synthesisChannels":[96,64,48,32],"synthesisDepths":[1,2,1,1],"windowSize":8,"headDim":16,"hyperChannels":48,"hyperAnalysisDepths":[1,1],"hyperSynthesisDepths":[1,1],"hyperWindowSize":4,"numSlices":4,"maxSupportSlices":-1,"sliceHiddenChannels":[[32,16],[40,20],[48,24],[56,28]],"discriminatorChannels":[32,64,64,128],"discriminatorFinalChannels":32,"semanticClasses":4,"patchDiscriminatorChannels":[32,64,128]}'
HIFIC='{"channels":8,"latentChannels":64,"hyperChannels":48,"residualBlocks":3,"discriminatorChannels":[32,64,128]}'
# One wasm thread each (the default takes the cores idle at start: two runs started together
# would both take the second core and stall each other).
export NCOMP_WASM_THREADS="${NCOMP_WASM_THREADS:-1}"
CLI=(nice -n 10 node packages/cli/dist/bin.js train)
if [ -f "$OUT/checkpoint.json" ]; then
  exec "${CLI[@]}" --out "$OUT" --resume
fi
case "$RUN" in
  mric-small-stage2)
    exec "${CLI[@]}" --model mric --stage 2 --init training-runs/mric-small-stage1.safetensors \
      --loss '{"lambda":0.032}' --lpips $LPIPS "${DATA[@]}" --steps 2600 --decay-start 2400 --lr 1e-4 --seed 2 --out "$OUT" ;;
  mric-small-stage1b)
    # Stage 1 continued from its end with β's conditioning rebuilt (see packages/models/weights/README.md):
    # cp training-runs/mric-small-stage1.safetensors training-runs/mric-small-stage1-revived.safetensors
    # node training-runs/revive-conditioning.mjs training-runs/mric-small-stage1-revived.safetensors --revive --frequencies 2
    # The rest at stage 1's final learning rate (2e-5); the MLP frozen, the projections at 1e-3.
    P=synthesis.transform.crb
    exec "${CLI[@]}" --model mric --stage 1 --init training-runs/mric-small-stage1-revived.safetensors \
      --loss '{"lambda":0.032}' --lpips $LPIPS "${DATA[@]}" --steps 1500 --decay-start 1500 --lr 2e-5 --seed 4 \
      --lr-multipliers "{\"synthesis.conditioning.\":0,\"${P}0_0.proj\":50,\"${P}1_0.proj\":50,\"${P}2_0.proj\":50}" --out "$OUT" ;;
  egic-orp-small-stage1)
    exec "${CLI[@]}" --model egic-orp --stage 1 --config "$EGIC" --lpips $LPIPS "${DATA[@]}" --steps 4000 --seed 1 --out "$OUT" ;;
  egic-orp-small-stage2)
    exec "${CLI[@]}" --model egic-orp --stage 2 --init training-runs/egic-orp-small-stage1 --lpips $LPIPS "${DATA[@]}" \
      --steps 2000 --lr 1e-4 --seed 2 --out "$OUT" ;;
  egic-orp-small-stage3)
    exec "${CLI[@]}" --model egic-orp --stage 3 --init training-runs/egic-orp-small-stage2 --lpips $LPIPS "${DATA[@]}" \
      --steps 1000 --seed 3 --out "$OUT" ;;
  egic-orp-small-stage3-from1)
    # The ORP head on stage 1's codec (no GAN stage): the output residual prediction alone,
    # between an LPIPS-weighted decoder (α 1) and the head's MSE prediction (α 0).
    exec "${CLI[@]}" --model egic-orp --stage 3 --init training-runs/egic-orp-small-stage1 "${DATA[@]}" \
      --steps 1000 --seed 3 --out "$OUT" ;;
  hific-small-stage1)
    exec "${CLI[@]}" --model hific --stage 1 --config "$HIFIC" --loss '{"warmupSteps":200}' --lpips $LPIPS "${DATA[@]}" \
      --steps 4000 --seed 1 --out "$OUT" ;;
  hific-small-stage2)
    exec "${CLI[@]}" --model hific --stage 2 --init training-runs/hific-small-stage1 --loss '{"warmupSteps":200}' --lpips $LPIPS "${DATA[@]}" \
      --steps 2000 --seed 2 --out "$OUT" ;;
  *) echo "unknown run: $RUN" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run them.
# Usage: bash tests/run.sh [pytest args…]   (GOVQA_TEST_WORKERS=N: N worker processes; default one a core)
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: a CJK font for the PDF tests, Chromium for the browser tests.
need=()
fc-list :lang=zh 2>/dev/null | grep -qi "wqy\|noto" || need+=(fonts-wqy-microhei)
[ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "tests/run.sh: missing ${need[*]}; install them with apt-get (root) for the PDF and browser tests" >&2
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
# Extras the tests exercise: test, ocr (scanned pages), milvus (the Milvus backend's contract tests).
extras=test,ocr,milvus
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# One model build shared by every test package (and by later runs).
export GOVQA_MODEL_CACHE="${GOVQA_MODEL_CACHE:-$HOME/.cache/govqa/models}"
# One worker a core (pytest-xdist); GOVQA_TEST_WORKERS=0 runs in this process (for pdb or -s).
exec .venv/bin/python -m pytest -n "${GOVQA_TEST_WORKERS:-$(nproc)}" "$@"

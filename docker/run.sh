#!/usr/bin/env bash
# Runs a command in the bcnn-fpga image with the host's Vivado/Vitis, as the calling user.
#
#   docker/run.sh [OPTIONS] [--] COMMAND [ARGS...]
#   docker/run.sh --xilinx /tools/Xilinx --xilinx-version 2024.2 \
#       bcnn build configs/cnv_w1a1_pynq-z2.yaml --outputs bitfile,deploy
#
# Options (each with a documented variable as its default):
#   --xilinx DIR          Xilinx installation root on the host     [BCNN_XILINX_DIR]
#   --xilinx-version VER  tool version under it, e.g. 2024.2       [BCNN_XILINX_VERSION]
#   --image NAME          image to run                             [BCNN_IMAGE, bcnn-fpga]
#   --cache DIR           host directory for caches (Verilator,
#                         Yosys, runs), mounted as HOME            [BCNN_CACHE_DIR, ~/.cache/bcnn-fpga-docker]
#   --build               build the image first (docker build -f docker/Dockerfile)
#   --dry-run             print the docker command instead of running it
# The current directory is mounted at /work (relative paths in COMMAND work as on the host); a
# `--board-files DIR` in COMMAND is made absolute and mounted read-only at the same path;
# XILINXD_LICENSE_FILE, LM_LICENSE_FILE and PLATFORM_REPO_PATHS are passed through when set. As in
# FINN's run-docker.sh: the host's /etc/passwd and /etc/group are mounted read-only (Vivado looks
# the user up) and libudev is preloaded (FlexLM licence checks in containers). Without a COMMAND
# the image runs `bcnn doctor`: what of the vendor tools it sees.
set -euo pipefail

die() { echo "docker/run.sh: $*" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
xilinx=${BCNN_XILINX_DIR:-}
version=${BCNN_XILINX_VERSION:-}
image=${BCNN_IMAGE:-bcnn-fpga}
cache=${BCNN_CACHE_DIR:-$HOME/.cache/bcnn-fpga-docker}
build=0
dry_run=0

while [ $# -gt 0 ]; do
    case "$1" in
        --xilinx) [ $# -ge 2 ] || die "--xilinx needs a directory"; xilinx=$2; shift 2 ;;
        --xilinx-version) [ $# -ge 2 ] || die "--xilinx-version needs a version, e.g. 2024.2"; version=$2; shift 2 ;;
        --image) [ $# -ge 2 ] || die "--image needs a name"; image=$2; shift 2 ;;
        --cache) [ $# -ge 2 ] || die "--cache needs a directory"; cache=$2; shift 2 ;;
        --build) build=1; shift ;;
        --dry-run) dry_run=1; shift ;;
        --) shift; break ;;
        -*) die "unknown option $1 (valid: --xilinx, --xilinx-version, --image, --cache, --build, --dry-run)" ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || set -- bcnn doctor

cmd=(docker run --rm --init -u "$(id -u):$(id -g)" -e HOME=/cache -v "$cache:/cache" -v "$PWD:/work" -w /work
     -v /etc/passwd:/etc/passwd:ro -v /etc/group:/etc/group:ro)
# Board files given to the command: absolute (the container's working directory is /work) and mounted.
command_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --board-files|--board-files=*)
            if [ "$1" = --board-files ]; then
                [ $# -ge 2 ] || die "--board-files needs a directory"
                dir=$2; shift 2
            else
                dir=${1#--board-files=}; shift
            fi
            abs=$(cd "$dir" 2>/dev/null && pwd) || die "--board-files $dir: no such directory"
            cmd+=(-v "$abs:$abs:ro")
            command_args+=(--board-files "$abs") ;;
        *) command_args+=("$1"); shift ;;
    esac
done
set -- "${command_args[@]}"
if [ -t 0 ] && [ -t 1 ]; then
    cmd+=(-it)
fi
path=/opt/bcnn-fpga/.venv/bin:/usr/local/bin:/usr/bin:/bin
if [ -n "$xilinx" ]; then
    [ -n "$version" ] || die "--xilinx needs --xilinx-version (or BCNN_XILINX_VERSION), e.g. 2024.2"
    [ -d "$xilinx" ] || die "--xilinx $xilinx: no such directory"
    # Vivado <= 2024.2 installs as DIR/Vivado/VER; 2025.1 and later as DIR/VER/Vivado.
    for layout in "$xilinx/Vivado/$version" "$xilinx/$version/Vivado"; do
        [ -x "$layout/bin/vivado" ] && vivado=$layout && break
    done
    [ -n "${vivado:-}" ] || die "no Vivado $version under $xilinx (looked for Vivado/$version/bin/vivado and $version/Vivado/bin/vivado)"
    cmd+=(-v "$xilinx:$xilinx:ro" -e "XILINX_VIVADO=$vivado" -e LD_PRELOAD=/lib/x86_64-linux-gnu/libudev.so.1)
    path=$vivado/bin:$path
    for layout in "$xilinx/Vitis_HLS/$version" "$xilinx/Vitis/$version" "$xilinx/$version/Vitis"; do
        if [ -x "$layout/bin/vitis_hls" ] || [ -x "$layout/bin/v++" ]; then
            [ -x "$layout/bin/vitis_hls" ] && cmd+=(-e "XILINX_HLS=$layout")
            [ -x "$layout/bin/v++" ] && cmd+=(-e "XILINX_VITIS=$layout")
            path=$layout/bin:$path
        fi
    done
    if [ -d /opt/xilinx/xrt ]; then  # Alveo runtime, for xclbin builds against an installed platform
        cmd+=(-v /opt/xilinx:/opt/xilinx:ro -e XILINX_XRT=/opt/xilinx/xrt)
    fi
fi
for var in XILINXD_LICENSE_FILE LM_LICENSE_FILE; do
    [ -n "${!var:-}" ] && cmd+=(-e "$var=${!var}")
done
if [ -n "${PLATFORM_REPO_PATHS:-}" ]; then  # Alveo platforms outside /opt/xilinx
    for dir in ${PLATFORM_REPO_PATHS//:/ }; do
        [ -d "$dir" ] && cmd+=(-v "$dir:$dir:ro")
    done
    cmd+=(-e "PLATFORM_REPO_PATHS=$PLATFORM_REPO_PATHS")
fi
cmd+=(-e "PATH=$path" "$image" "$@")

if [ "$dry_run" = 1 ]; then
    [ "$build" = 1 ] && printf '%q ' docker build -f "$repo/docker/Dockerfile" -t "$image" "$repo" && echo
    printf '%q ' "${cmd[@]}"
    echo
    exit 0
fi
mkdir -p "$cache"
if [ "$build" = 1 ]; then
    docker build -f "$repo/docker/Dockerfile" -t "$image" "$repo"
fi
exec "${cmd[@]}"

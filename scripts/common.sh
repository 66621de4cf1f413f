# Shared by scripts/run, scripts/test and the other scripts: install what is
# missing, configure and build (Release, Ninja, ccache). Source it; do not run.

ANODELESS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${ANODELESS_BUILD_DIR:-$ANODELESS_ROOT/build}
# Debian's interpreter, which has numpy, scipy, matplotlib and pandas.
PYTHON=/usr/bin/python3

# Debian 12 packages. g++, make and numdiff are only "recommended" by
# libdeal.ii-dev, so they are named here.
ANODELESS_PACKAGES=(libdeal.ii-dev g++ make cmake ninja-build ccache numdiff
  clang-format openmpi-bin python3 python3-numpy python3-scipy
  python3-matplotlib python3-pandas)

install_dependencies() {
  local missing=()
  for p in "${ANODELESS_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "anodeless: missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "anodeless: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

configure_and_build() {
  export CCACHE_NOHASHDIR=1 CCACHE_BASEDIR="$ANODELESS_ROOT"
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    # ANODELESS_CMAKE_OPTIONS: extra options for a new build folder, e.g.
    # -DANODELESS_USE_TRILINOS=ON (with ANODELESS_BUILD_DIR set apart).
    # shellcheck disable=SC2086
    cmake -S "$ANODELESS_ROOT" -B "$BUILD_DIR" -G Ninja \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      ${ANODELESS_CMAKE_OPTIONS:-} >/dev/null
  fi
  ninja -C "$BUILD_DIR" -j "$(nproc)" "$@"
}

# OpenMPI refuses to run as root unless told twice.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Quiet OpenMPI's warnings on machines without InfiniBand.
export OMPI_MCA_btl_base_warn_component_unused=0

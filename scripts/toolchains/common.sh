# Shared by scripts/toolchains/LANG.sh. Each LANG.sh sources this file when
# run from the repository; `rewasm build` instead writes this file and the
# language's script, one after the other, into PLUGIN/.rewasm/toolchain.sh.
#
# Contract of every LANG.sh:
#   LANG.sh install          installs what building needs, idempotently (a
#                            quick no-op when present), under $(toolchains_dir)
#                            or through apt; serialised by an install lock
#   LANG.sh build DIR OUT    builds the plugin project in DIR (which already
#                            has .rewasm/wit/reward.wit and .rewasm/sdk/) into
#                            the component OUT
REWASM_TOOLCHAIN_COMMON=1

die() {
  echo "rewasm build: $*" >&2
  exit 1
}

# Where language toolchains live: $REWASM_TOOLCHAINS, else
# $REWASM_HOME/toolchains, else ~/.cache/rewasm/toolchains.
toolchains_dir() {
  echo "${REWASM_TOOLCHAINS:-${REWASM_HOME:-$HOME/.cache/rewasm}/toolchains}"
}

# Holds an exclusive lock on the toolchains folder until the script exits, so
# that builds started at once do not install the same thing twice (or run
# apt-get side by side).
install_lock() {
  local dir
  dir=$(toolchains_dir)
  mkdir -p "$dir"
  exec 9>"$dir/.install.lock"
  flock 9
}

# apt_install PKG...: installs the Debian packages that are missing.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 ||
    die "missing ${missing[*]}, and there is no apt-get to install them"
  echo "rewasm build: installing ${missing[*]} (apt)" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get could not install ${missing[*]}"
}

# toolchain_main "$@": dispatches to install_toolchain / build_plugin, which
# the language script defines.
toolchain_main() {
  case "${1:-}" in
    install)
      install_lock
      install_toolchain
      ;;
    build)
      [ $# -eq 3 ] || die "usage: $0 build DIR OUT"
      [ -f "$2/.rewasm/wit/reward.wit" ] || die "$2/.rewasm/wit/reward.wit is missing (run rewasm build)"
      (install_lock && install_toolchain)
      build_plugin "$2" "$3"
      [ -s "$3" ] || die "the build wrote no component to $3"
      ;;
    *) die "usage: $0 install | build DIR OUT" ;;
  esac
}

#!/usr/bin/env bash
# A throwaway OCI registry on 127.0.0.1 for trying and testing
# `rewasm push` / `rewasm pull`: Debian's docker-registry (distribution 2.8),
# run as our own process, never as the system service.
#
#   scripts/registry.sh start   install if missing, start, print HOST:PORT
#   scripts/registry.sh url     print http://HOST:PORT of the running one
#   scripts/registry.sh addr    print HOST:PORT (for oci://HOST:PORT/REPO:TAG)
#   scripts/registry.sh stop    stop it and delete its storage
#
# State (config, pid, port, blobs) lives in $REWASM_REGISTRY_DIR, default
# target/registry; give each concurrent registry its own folder.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${REWASM_REGISTRY_DIR:-$root/target/registry}
bin=/usr/bin/docker-registry

die() { echo "registry.sh: $*" >&2; exit 1; }

running() {
    [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null
}

# GET /v2/ over bash's /dev/tcp: true when the registry answers 200.
answers() {
    local port=$1 status
    { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
    printf 'GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$port" >&3
    IFS= read -r -t 2 status <&3 || status=
    exec 3<&- 3>&-
    [[ $status == HTTP/1.?" 200"* ]]
}

# Something already listens on the port.
taken() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

install() {
    [ -x "$bin" ] && return 0
    # Concurrent starts (parallel tests) install once: the others wait for
    # the lock, then find the binary. The subshell holds the lock, so the
    # registry started later does not inherit it.
    (
        flock 9
        [ -x "$bin" ] && exit 0
        sudo=
        [ "$(id -u)" = 0 ] || sudo=sudo
        echo "registry.sh: installing Debian's docker-registry" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt="apt-get -q -o DPkg::Lock::Timeout=300"
        $sudo $apt install -y --no-install-recommends docker-registry >&2 ||
            { $sudo $apt update >&2 && $sudo $apt install -y --no-install-recommends docker-registry >&2; } ||
            die "could not install docker-registry"
        # The package enables (and on a booted systemd starts) a system-wide
        # service on :5000; we only want the binary.
        if [ -d /run/systemd/system ]; then
            $sudo systemctl stop docker-registry.service >/dev/null 2>&1 || true
        fi
        if command -v systemctl >/dev/null; then
            $sudo systemctl disable docker-registry.service >/dev/null 2>&1 || true
        fi
        $sudo update-rc.d docker-registry disable >/dev/null 2>&1 || true
    ) 9>"${TMPDIR:-/tmp}/rewasm-registry-install.lock"
    [ -x "$bin" ] || die "docker-registry installed but $bin is missing"
}

start() {
    if running && answers "$(cat "$dir/port")"; then
        echo "127.0.0.1:$(cat "$dir/port")"
        return 0
    fi
    install
    mkdir -p "$dir/storage"
    local try port pid
    for try in 1 2 3 4 5 6 7 8; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        taken "$port" && continue
        cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
        "$bin" serve "$dir/config.yml" >"$dir/log" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$dir/pid"
        echo "$port" >"$dir/port"
        for _ in $(seq 1 100); do
            if answers "$port"; then
                echo "127.0.0.1:$port"
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        rm -f "$dir/pid" "$dir/port"
        echo "registry.sh: port $port failed (try $try):" >&2
        tail -n 3 "$dir/log" >&2 || true
    done
    die "the registry did not start; see $dir/log"
}

stop() {
    if [ -f "$dir/pid" ]; then
        local pid
        pid=$(cat "$dir/pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    # Only what start made, so a mistaken REWASM_REGISTRY_DIR loses nothing else.
    rm -rf "$dir/storage"
    rm -f "$dir/config.yml" "$dir/pid" "$dir/port" "$dir/log"
    rmdir "$dir" 2>/dev/null || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) running || die "not running (scripts/registry.sh start)"; echo "http://127.0.0.1:$(cat "$dir/port")" ;;
    addr) running || die "not running (scripts/registry.sh start)"; echo "127.0.0.1:$(cat "$dir/port")" ;;
    *) die "usage: scripts/registry.sh start|stop|url|addr" ;;
esac

# Shared set-up for scripts/lab and scripts/test: sourced, not run.
# Everything here is idempotent: it reuses what already exists.

FLASKSTACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FLASKSTACK_VENV=${FLASKSTACK_VENV:-$FLASKSTACK_ROOT/.venv}
export ANSIBLE_COLLECTIONS_PATH="$FLASKSTACK_ROOT/collections"
export ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-0}
export PY_COLORS=${PY_COLORS:-0}

log() { printf '\n==> %s\n' "$*"; }

# A virtualenv with the pinned tool versions of requirements-dev.txt.
ensure_venv() {
  local stamp="$FLASKSTACK_VENV/.requirements.sha256"
  local want
  want=$(sha256sum "$FLASKSTACK_ROOT/requirements-dev.txt" | cut -d' ' -f1)
  if [ ! -x "$FLASKSTACK_VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "Installing the pinned tools into $FLASKSTACK_VENV"
    command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null; }
    python3 -m venv "$FLASKSTACK_VENV" 2>/dev/null || {
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$FLASKSTACK_VENV"
    }
    "$FLASKSTACK_VENV/bin/pip" install -q --disable-pip-version-check -r "$FLASKSTACK_ROOT/requirements-dev.txt"
    echo "$want" >"$stamp"
  fi
  export PATH="$FLASKSTACK_VENV/bin:$PATH"
}

# A Docker engine: reuse a running one, else install Debian's docker.io and start it.
ensure_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  if ! command -v dockerd >/dev/null; then
    log "Installing the Docker engine (Debian's docker.io)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
      systemctl start docker
    else
      log "Starting dockerd"
      # A daemon that was killed leaves its pid files behind, and a new one refuses to start.
      local pidfile
      for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
        if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
      done
      # Detached (its own session, not a job of this shell, no inherited output):
      # a script that waits for its own jobs, or a CI runner that waits for the
      # output pipe to close, must not wait for the daemon.
      (setsid dockerd </dev/null >/var/log/dockerd.log 2>&1 &)
    fi
    local i
    for i in $(seq 1 60); do
      docker info >/dev/null 2>&1 && return 0
      sleep 1
    done
    echo "dockerd did not start; see /var/log/dockerd.log" >&2
    return 1
  fi
}

# The lab images flaskstack-lab:<release> for the given Debian releases.
ensure_images() {
  local release
  for release in "$@"; do
    "$FLASKSTACK_ROOT/scripts/build-image" "$release"
  done
}

# shellcheck shell=bash
# Shared helpers for tools/bootstrap, tools/stack and tools/test: logging, free ports, process
# bookkeeping, and a loopback-only Redis and PostgreSQL kept in a runtime directory.
# Source it; it defines functions and LAGOM_ROOT and changes no shell options.
#
# Runtime directory layout (RT):
#   RT/.lagom-runtime       marker: this directory was made by these tools (guards rm -rf)
#   RT/run/<name>.pid       pid of each running component
#   RT/run/<name>.addr      its address, 127.0.0.1:PORT
#   RT/logs/<name>.log      its output
#   RT/redis/               Redis working directory (nothing is persisted)
#   RT/postgres.location    absolute path of the PostgreSQL directory (data/ and sock/), which is
#                           RT/postgres unless the postgres user cannot reach RT (see lagom_pg_root)

LAGOM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

lagom_log() { printf 'lagom: %s\n' "$*"; }
lagom_warn() { printf 'lagom: warning: %s\n' "$*" >&2; }
lagom_die() {
  printf 'lagom: error: %s\n' "$*" >&2
  exit 1
}

# Seconds since the epoch with sub-second precision, and a duration between two such stamps.
lagom_now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
lagom_duration() {
  local start=$1 end=$2 ms
  ms=$(( (${end/./} - ${start/./}) / 1000 ))
  if (( ms >= 60000 )); then
    printf '%dm%02ds' $((ms / 60000)) $(((ms % 60000) / 1000))
  else
    printf '%d.%01ds' $((ms / 1000)) $(((ms % 1000) / 100))
  fi
}

# Absolute form of a path relative to the current directory (the path need not exist yet).
lagom_abspath() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "${1#./}" ;;
  esac
}

# The build directory: LAGOM_BUILD_DIR (default "build"), relative paths taken from the repo root.
lagom_build_dir() {
  local dir=${LAGOM_BUILD_DIR:-build}
  case $dir in
    /*) printf '%s\n' "$dir" ;;
    *) printf '%s/%s\n' "$LAGOM_ROOT" "${dir#./}" ;;
  esac
}

# Runs a command as root: directly when we are root, through sudo otherwise.
lagom_as_root() {
  if (( EUID == 0 )); then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    lagom_die "need root (or sudo) to run: $*"
  fi
}

# ---------------------------------------------------------------------------------------------
# Free ports: for Redis and PostgreSQL, which retry on another at the rare clash, and for every
# service replica's listen and metrics port, which tools/stack chooses before any replica starts
# (each must know the others' addresses). We pick below the kernel's ephemeral range
# (32768-60999 by default) so a chosen port cannot be taken meanwhile by an outgoing connection
# or a port-0 bind. A port chosen but not yet bound still looks free here: whoever chooses
# several before binding them keeps them apart (tools/stack's take_port).

lagom_port_in_use() {
  local port=$1
  if command -v ss >/dev/null 2>&1; then
    [[ -n $(ss -Htan "sport = :$port" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

lagom_free_port() {
  local i port
  for ((i = 0; i < 100; i++)); do
    port=$((10000 + RANDOM % 22000))
    if ! lagom_port_in_use "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  lagom_die "no free port found between 10000 and 31999"
}

# ---------------------------------------------------------------------------------------------
# Processes. A pid file is trusted only if the process is alive (not a zombie: PID 1 of a
# container may never reap) and is the expected program: its comm matches and, when given, its
# command line contains a needle specific to this runtime directory. So a recycled pid or a copy
# started from another runtime directory is never mistaken for ours.

lagom_pid_alive() {
  local pid=$1 stat
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != [ZX] ]]
}

# lagom_proc_is PID COMM [NEEDLE]
lagom_proc_is() {
  local pid=$1 comm=$2 needle=${3:-} actual cmdline
  lagom_pid_alive "$pid" || return 1
  actual=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ $actual == "${comm:0:15}" ]] || return 1
  [[ -z $needle ]] && return 0
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$needle"* ]]
}

lagom_read_file() { [[ -r $1 ]] && head -n1 "$1"; }

# Waits until PID is gone; returns non-zero if it is still alive after TIMEOUT seconds.
lagom_wait_gone() {
  local pid=$1 timeout=$2 deadline
  deadline=$((SECONDS + timeout))
  while lagom_pid_alive "$pid"; do
    (( SECONDS >= deadline )) && return 1
    sleep 0.1
  done
}

# SIGTERM, wait up to TIMEOUT seconds, then SIGKILL.
lagom_terminate() {
  local pid=$1 timeout=$2 what=$3
  lagom_pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! lagom_wait_gone "$pid" "$timeout"; then
    lagom_warn "$what (pid $pid) still running ${timeout}s after SIGTERM: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    lagom_wait_gone "$pid" 10 || lagom_warn "$what (pid $pid) survived SIGKILL"
  fi
}

lagom_log_tail() {
  local log=$1
  [[ -s $log ]] || return 0
  printf -- '--- last lines of %s ---\n' "$log" >&2
  tail -n 25 "$log" >&2
  printf -- '---\n' >&2
}

lagom_runtime_init() {
  local rt=$1
  mkdir -p "$rt/run" "$rt/logs"
  : >"$rt/.lagom-runtime"
}

# ---------------------------------------------------------------------------------------------
# Redis: in-memory only, loopback only, daemonized with its own pid file.

lagom_redis_running() {
  local rt=$1 pid port
  pid=$(lagom_read_file "$rt/run/redis.pid") || return 1
  port=$(lagom_read_file "$rt/run/redis.addr") || return 1
  port=${port##*:}
  lagom_proc_is "$pid" redis-server "127.0.0.1:$port"
}

lagom_redis_ping() {
  local port=$1
  [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]
}

lagom_redis_start() {
  local rt=$1 attempt port pid log deadline
  log=$rt/logs/redis.log
  command -v redis-server >/dev/null 2>&1 || lagom_die "redis-server not installed: run tools/bootstrap"
  lagom_runtime_init "$rt"
  lagom_redis_stop "$rt"  # a stray left by an interrupted start
  mkdir -p "$rt/redis"
  for attempt in 1 2 3; do
    port=$(lagom_free_port)
    rm -f "$rt/run/redis.pid"
    # Recorded first, so that lagom_redis_stop can find a server that an interruption left
    # running before we saw it answer.
    printf '127.0.0.1:%s\n' "$port" >"$rt/run/redis.addr"
    # Errors before daemonizing go to stderr, later ones to --logfile: both end in the log.
    # shellcheck disable=SC2094
    redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
      --save '' --appendonly no --dir "$rt/redis" \
      --daemonize yes --pidfile "$rt/run/redis.pid" --logfile "$log" </dev/null >>"$log" 2>&1 || true
    deadline=$((SECONDS + 15))
    while (( SECONDS < deadline )); do
      pid=$(lagom_read_file "$rt/run/redis.pid") || pid=
      if [[ -n $pid ]] && lagom_redis_ping "$port"; then
        return 0
      fi
      # A clash on the port makes redis exit at once: try another port.
      if [[ -n $pid ]] && ! lagom_pid_alive "$pid"; then break; fi
      if [[ -z $pid ]] && grep -q "Address already in use" "$log" 2>/dev/null; then break; fi
      sleep 0.1
    done
    [[ -n $pid ]] && lagom_terminate "$pid" 5 redis
    lagom_warn "redis did not start on port $port (attempt $attempt)"
  done
  rm -f "$rt/run/redis.addr"
  lagom_log_tail "$log"
  lagom_die "redis failed to start; see $log"
}

lagom_redis_stop() {
  local rt=$1 pid port
  pid=$(lagom_read_file "$rt/run/redis.pid") || return 0
  port=$(lagom_read_file "$rt/run/redis.addr") || port=
  port=${port##*:}
  if [[ -n $port ]] && lagom_proc_is "$pid" redis-server "127.0.0.1:$port"; then
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    lagom_wait_gone "$pid" 10 || lagom_terminate "$pid" 5 redis
  fi
  rm -f "$rt/run/redis.pid" "$rt/run/redis.addr"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL. It refuses to run as root, so as root every server-side command (initdb, pg_ctl)
# runs as the postgres user; as anyone else it runs as that user. Clients (psql, pg_isready)
# connect over TCP to 127.0.0.1 with trust authentication, which is fine for a loopback stack.

lagom_pg_bindir() {
  local dir
  if [[ -n ${LAGOM_PG_BINDIR:-} ]]; then
    printf '%s\n' "$LAGOM_PG_BINDIR"
    return 0
  fi
  if command -v pg_config >/dev/null 2>&1 && dir=$(pg_config --bindir 2>/dev/null) && [[ -x $dir/initdb ]]; then
    printf '%s\n' "$dir"
    return 0
  fi
  # Debian layout: /usr/lib/postgresql/<major>/bin; take the newest major installed.
  dir=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n1)
  [[ -n $dir ]] || lagom_die "PostgreSQL server binaries (initdb) not found: run tools/bootstrap"
  dirname "$dir"
}

lagom_pg_owner_run() {
  if (( EUID == 0 )); then
    # cd / so the postgres user is not left in a directory it may not be allowed to read.
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# The directory holding PostgreSQL's data/ and sock/. Normally RT/postgres, owned by postgres.
# As root, the postgres user must be able to traverse every parent of RT, and a checkout under
# in a home directory of mode 0700 is not traversable; the unix socket path must also stay within the
# kernel's 107-byte limit. In either case the data and socket go to a private mktemp directory
# under /tmp owned by postgres, recorded in RT/postgres.location so later runs find it, while
# the pid, address and log stay in RT (the log is opened by us and inherited by the server).
lagom_pg_root() {
  local rt=$1 root
  root=$(lagom_read_file "$rt/postgres.location" 2>/dev/null) || root=
  if [[ -n $root && -d $root/data ]]; then
    printf '%s\n' "$root"
    return 0
  fi
  id postgres >/dev/null 2>&1 || (( EUID != 0 )) || lagom_die "no postgres user: run tools/bootstrap"
  root=$rt/postgres
  if (( ${#root} > 80 )) || { (( EUID == 0 )) && ! runuser -u postgres -- test -x "$rt" 2>/dev/null; }; then
    root=$(mktemp -d /tmp/lagom-pg.XXXXXX)
  fi
  mkdir -p "$root"
  if (( EUID == 0 )); then chown postgres:postgres "$root"; fi
  chmod 0700 "$root"
  printf '%s\n' "$root" >"$rt/postgres.location"
  printf '%s\n' "$root"
}

lagom_pg_running() {
  local rt=$1 pid root
  pid=$(lagom_read_file "$rt/run/postgres.pid") || return 1
  root=$(lagom_read_file "$rt/postgres.location") || return 1
  lagom_proc_is "$pid" postgres "$root/data"
}

lagom_pg_ready() {
  local port=$1
  "$(lagom_pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 5
}

# lagom_pg_ensure_roles PORT: the owner role "lagom" (runs migrations) and the services' role
# "lagom_app" (owns nothing, no superuser, no BYPASSRLS: row-level security applies to it).
lagom_pg_ensure_roles() {
  local port=$1 role
  for role in lagom lagom_app; do
    if [[ -z $(lagom_pg_psql "$port" postgres "SELECT 1 FROM pg_roles WHERE rolname = '$role'") ]]; then
      lagom_pg_psql "$port" postgres "CREATE ROLE $role LOGIN NOSUPERUSER NOBYPASSRLS"
    fi
  done
}

# lagom_ensure_secret FILE: a random 48-character secret, made once, readable by its owner only.
lagom_ensure_secret() {
  local file=$1
  [[ -s $file ]] && return 0
  mkdir -p "$(dirname "$file")"
  chmod 700 "$(dirname "$file")"
  (umask 077 && head -c 36 /dev/urandom | base64 | tr '+/' '-_' >"$file")
}

# lagom_pg_psql PORT DB SQL: runs SQL as the superuser "postgres", prints unaligned tuples.
lagom_pg_psql() {
  local port=$1 db=$2 sql=$3
  "$(lagom_pg_bindir)/psql" -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" -c "$sql"
}

# lagom_pg_start RT: initdb once, then start on a free loopback port. LAGOM_PG_FAST=1 trades
# durability for speed (no fsync), for throwaway test databases.
lagom_pg_start() {
  local rt=$1 bin root log attempt port opts pid
  log=$rt/logs/postgres.log
  bin=$(lagom_pg_bindir)
  lagom_runtime_init "$rt"
  lagom_pg_stop "$rt"  # a stray left by an interrupted start
  root=$(lagom_pg_root "$rt")
  if [[ ! -f $root/data/PG_VERSION ]]; then
    lagom_log "initialising PostgreSQL in $root/data"
    local initdb_args=(-D "$root/data" -U postgres --auth=trust --no-locale -E UTF8 --no-instructions)
    [[ ${LAGOM_PG_FAST:-0} == 1 ]] && initdb_args+=(--no-sync)
    if ! lagom_pg_owner_run "$bin/initdb" "${initdb_args[@]}" >>"$log" 2>&1; then
      lagom_log_tail "$log"
      lagom_die "initdb failed; see $log"
    fi
  fi
  lagom_pg_owner_run mkdir -p "$root/sock"
  for attempt in 1 2 3; do
    port=$(lagom_free_port)
    # pg_ctl hands -o to a shell, hence the inner quotes.
    opts="-c listen_addresses=127.0.0.1 -c port=$port -c 'unix_socket_directories=$root/sock'"
    [[ ${LAGOM_PG_FAST:-0} == 1 ]] && opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    # No -l: the server inherits our stdout/stderr, so the log file is opened by us and can
    # live in RT even where the postgres user may not write.
    if lagom_pg_owner_run "$bin/pg_ctl" -D "$root/data" -o "$opts" -w -t 60 start >>"$log" 2>&1 </dev/null; then
      pid=$(head -n1 "$root/data/postmaster.pid")
      printf '%s\n' "$pid" >"$rt/run/postgres.pid"
      printf '127.0.0.1:%s\n' "$port" >"$rt/run/postgres.addr"
      return 0
    fi
    lagom_warn "PostgreSQL did not start on port $port (attempt $attempt)"
    if ! grep -qE 'could not bind|Address already in use' "$log"; then break; fi
  done
  lagom_log_tail "$log"
  lagom_die "PostgreSQL failed to start; see $log"
}

lagom_pg_stop() {
  local rt=$1 pid root bin
  root=$(lagom_read_file "$rt/postgres.location" 2>/dev/null) || root=
  pid=$(lagom_read_file "$rt/run/postgres.pid" 2>/dev/null) || pid=
  # Without our pid file (start interrupted before it was written) the server's own says.
  if [[ -z $pid && -n $root ]]; then
    pid=$(lagom_read_file "$root/data/postmaster.pid" 2>/dev/null) || pid=
  fi
  [[ -n $pid ]] || return 0
  if [[ -n $root ]] && lagom_proc_is "$pid" postgres "$root/data"; then
    bin=$(lagom_pg_bindir)
    if ! lagom_pg_owner_run "$bin/pg_ctl" -D "$root/data" -m fast -w -t 30 stop >>"$rt/logs/postgres.log" 2>&1; then
      lagom_warn "pg_ctl stop -m fast failed; trying immediate"
      lagom_pg_owner_run "$bin/pg_ctl" -D "$root/data" -m immediate -w -t 10 stop >>"$rt/logs/postgres.log" 2>&1 || true
    fi
    lagom_wait_gone "$pid" 10 || lagom_terminate "$pid" 5 postgres
  fi
  rm -f "$rt/run/postgres.pid" "$rt/run/postgres.addr"
}

# Removes the PostgreSQL directory (including a /tmp fallback) and its record. Server stopped.
lagom_pg_purge() {
  local rt=$1 root
  root=$(lagom_read_file "$rt/postgres.location" 2>/dev/null) || root=
  if [[ -n $root && -d $root ]]; then
    rm -rf "$root"
  fi
  rm -f "$rt/postgres.location"
}

# Removes what these tools put in a runtime directory, and nothing else: other runtime
# directories nested in it (.lagom/test inside .lagom) are left alone.
lagom_runtime_purge() {
  local rt=$1
  [[ -d $rt ]] || return 0
  [[ -f $rt/.lagom-runtime ]] || lagom_die "$rt was not made by tools/stack or tools/test; not removing it"
  lagom_pg_purge "$rt"
  rm -rf "$rt/run" "$rt/logs" "$rt/redis" "$rt/postgres" "$rt/secrets" "$rt/stack.env" "$rt/.lagom-runtime"
  rmdir "$rt" 2>/dev/null || true
}

# Shared by bin/imap-sync and bin/syncctl: find a JDK 21+, build on first use, run a main class.
# shellcheck shell=bash

IMAP_SYNC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IMAP_SYNC_JAR="$IMAP_SYNC_ROOT/sync-daemon/target/imap-sync.jar"

# Prints the major Java version of the java binary $1 (e.g. 21), or nothing.
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \(1\.\)\{0,1\}\([0-9]*\).*/\2/p' | head -n 1
}

# Sets JAVA_HOME and JAVA to a JDK 21+: JAVA_HOME, else java on PATH, else the newest under /usr/lib/jvm.
find_jdk() {
  local home v best="" best_v=0 preferred=()
  if [ -n "${JAVA_HOME:-}" ]; then preferred+=("$JAVA_HOME"); fi
  if command -v java >/dev/null 2>&1; then
    preferred+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for home in "${preferred[@]}"; do
    if [ -x "$home/bin/javac" ]; then   # the first build needs a JDK, not a JRE
      v="$(java_major "$home/bin/java")"
      if [ -n "$v" ] && [ "$v" -ge 21 ]; then best="$home"; break; fi
    fi
  done
  if [ -z "$best" ]; then
    for home in /usr/lib/jvm/*; do
      [ -x "$home/bin/javac" ] || continue
      v="$(java_major "$home/bin/java")"
      if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best="$home"; best_v="$v"; fi
    done
  fi
  if [ -z "$best" ]; then
    cat >&2 <<'MSG'
imap-sync needs a JDK 21 or newer, and none was found (checked JAVA_HOME, java on PATH, /usr/lib/jvm).
Install one, for example:
  Debian/Ubuntu:  sudo apt-get install openjdk-21-jdk-headless   (or temurin-21-jdk)
  Fedora/RHEL:    sudo dnf install java-21-openjdk-devel
then run this command again, or point JAVA_HOME at it.
MSG
    return 1
  fi
  export JAVA_HOME="$best"
  JAVA="$best/bin/java"
}

# Builds the daemon jar when it is missing or older than any source or pom.
ensure_built() {
  local stale=""
  if [ ! -f "$IMAP_SYNC_JAR" ]; then
    stale="yes"
  elif [ -n "$(find "$IMAP_SYNC_ROOT/pom.xml" "$IMAP_SYNC_ROOT/sync-daemon" "$IMAP_SYNC_ROOT/shard-coordinator" \
        \( -path '*/target' -prune \) -o \( -type f \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) \
        -newer "$IMAP_SYNC_JAR" -print \) 2>/dev/null | head -n 1)" ]; then
    stale="yes"
  fi
  if [ -n "$stale" ]; then
    echo "imap-sync: building (first run or sources changed; Maven downloads what it needs)..." >&2
    if ! (cd "$IMAP_SYNC_ROOT" && ./mvnw -q -B -DskipTests -pl sync-daemon -am install >&2); then
      echo "imap-sync: build failed; see the Maven output above" >&2
      return 1
    fi
  fi
}

# Sets JVM_DEFAULTS: the default JVM flags, documented in docs/configuration.md ("JVM flags").
jvm_defaults() {
  JVM_DEFAULTS=(--enable-native-access=ALL-UNNAMED -XX:+UseG1GC -XX:MaxHeapFreeRatio=20 -XX:MinHeapFreeRatio=5
    -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=85 -XX:G1PeriodicGCInterval=300000
    -XX:+UseStringDeduplication -XX:G1ConcRefinementThreads=0)
  if [ "$(java_major "$JAVA")" -ge 22 ]; then
    # Give freed C-heap back to the OS (glibc keeps it otherwise); a product flag from JDK 22.
    JVM_DEFAULTS+=(-XX:TrimNativeHeapInterval=10000)
  fi
  if [ "$(java_major "$JAVA")" -ge 23 ]; then
    # Netty's direct-buffer fast paths need sun.misc.Unsafe, which JDK 24+ turns off unless allowed.
    JVM_DEFAULTS+=(--sun-misc-unsafe-memory-access=allow)
  fi
}

# run_main CLASS ARGS...: runs a main class of the daemon jar with the default JVM flags, then
# IMAP_SYNC_JAVA_OPTS (which adds or overrides).
run_main() {
  local main="$1"; shift
  find_jdk || exit 1
  ensure_built || exit 1
  jvm_defaults
  AOT_FLAGS=()
  if [ "$main" = io.imapsync.cli.ImapSyncCommand ]; then
    case "${1:-}" in
      run|bench) aot_cache train ;;
      *) aot_cache use ;;
    esac
  fi
  # shellcheck disable=SC2086
  exec "$JAVA" "${JVM_DEFAULTS[@]}" "${AOT_FLAGS[@]}" ${IMAP_SYNC_JAVA_OPTS:-} -cp "$IMAP_SYNC_JAR" "$main" "$@"
}

# aot_cache train|use|force: on JDK 25+ and when IMAP_SYNC_AOT_CACHE asks for it, sets AOT_FLAGS to
# the JVM's AOT cache (JEPs 483, 514, 515: classes loaded and linked, method profiles) from a
# training run of the demo. Opt-in, because it is a trade (docs/performance.md): measured at 19,000
# idle mailboxes the first 10 s of deliveries have p99 20 ms instead of 108 ms and the empty daemon
# 7 MiB of RSS instead of 33, but initial sync runs at 4,420 msg/s instead of 6,742.
# IMAP_SYNC_AOT_CACHE=on keeps it in sync-daemon/target/imap-sync.aot, =FILE elsewhere; unset or off,
# none. `train` (run, bench) creates it when missing or older than the jar and its directory is
# writable (about 10 s, once per build); `use` only uses a current one; `force` (bin/imap-sync
# aot-cache) creates it whatever IMAP_SYNC_AOT_CACHE says.
aot_cache() {
  AOT_FLAGS=()
  local setting="${IMAP_SYNC_AOT_CACHE:-off}"
  if [ "$setting" = off ] && [ "$1" != force ]; then return 0; fi
  if [ "$(java_major "$JAVA")" -lt 25 ]; then
    echo "imap-sync: the AOT cache needs JDK 25 or newer ($JAVA is older); starting without it" >&2
    [ "$1" = force ] && return 1
    return 0
  fi
  local cache="$IMAP_SYNC_ROOT/sync-daemon/target/imap-sync.aot"
  if [ "$setting" != on ] && [ "$setting" != off ]; then cache="$setting"; fi
  local stale=""
  if [ ! -f "$cache" ] || [ "$IMAP_SYNC_JAR" -nt "$cache" ]; then stale="yes"; fi
  if [ "$1" = force ] || { [ "$1" = train ] && [ -n "$stale" ] && [ -w "$(dirname "$cache")" ]; }; then
    echo "imap-sync: training the JVM's AOT cache on the demo (once per build, ~10 s)" >&2
    local tmp="$cache.$$.tmp"
    if "$JAVA" "${JVM_DEFAULTS[@]}" -XX:AOTCacheOutput="$tmp" -cp "$IMAP_SYNC_JAR" io.imapsync.cli.ImapSyncCommand demo \
        >"$cache.log" 2>&1 && [ -s "$tmp" ]; then
      mv -f "$tmp" "$cache"
      stale=""
      [ "$1" = force ] && echo "imap-sync: AOT cache in $cache; IMAP_SYNC_AOT_CACHE=$cache (or =on for this path) uses it" >&2
    else
      rm -f "$tmp" "$tmp.config"
      echo "imap-sync: AOT cache training failed (its output: $cache.log); starting without the cache" >&2
      [ "$1" = force ] && return 1
    fi
  fi
  if [ -z "$stale" ] && [ "$setting" != off ]; then
    AOT_FLAGS=(-XX:AOTCache="$cache")
  fi
}

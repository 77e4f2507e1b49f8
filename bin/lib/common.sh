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

# run_main CLASS ARGS...: runs a main class of the daemon jar with the default JVM flags.
run_main() {
  local main="$1"; shift
  find_jdk || exit 1
  ensure_built || exit 1
  # Defaults documented in docs/configuration.md ("JVM flags"); IMAP_SYNC_JAVA_OPTS adds or overrides.
  local defaults=(--enable-native-access=ALL-UNNAMED -XX:+UseG1GC -XX:MaxHeapFreeRatio=20 -XX:MinHeapFreeRatio=5
    -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=85 -XX:G1PeriodicGCInterval=300000
    -XX:+UseStringDeduplication)
  if [ "$(java_major "$JAVA")" -ge 22 ]; then
    # Give freed C-heap back to the OS (glibc keeps it otherwise); a product flag from JDK 22.
    defaults+=(-XX:TrimNativeHeapInterval=10000)
  fi
  if [ "$(java_major "$JAVA")" -ge 23 ]; then
    # Netty's direct-buffer fast paths need sun.misc.Unsafe, which JDK 24+ turns off unless allowed.
    defaults+=(--sun-misc-unsafe-memory-access=allow)
  fi
  # shellcheck disable=SC2086
  exec "$JAVA" "${defaults[@]}" ${IMAP_SYNC_JAVA_OPTS:-} -cp "$IMAP_SYNC_JAR" "$main" "$@"
}

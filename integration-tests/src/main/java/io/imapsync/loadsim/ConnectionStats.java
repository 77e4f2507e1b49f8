package io.imapsync.loadsim;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Connection counts: open, logged in, idling; per user the current number of logged-in
 * connections and its high-water mark (two ints per user, so budgets can be checked for every
 * account of a 100,000-user population); per listening address the peak of connections accepted
 * within one wall-clock second.
 */
final class ConnectionStats {
  private final AtomicIntegerArray current;
  private final AtomicIntegerArray max;
  private final AtomicIntegerArray idleByUser;
  private final AtomicInteger maxAnyUser = new AtomicInteger();
  final AtomicInteger open = new AtomicInteger();
  final AtomicInteger authenticated = new AtomicInteger();
  final AtomicInteger idle = new AtomicInteger();
  final LongAdder accepted = new LongAdder();
  final LongAdder logins = new LongAdder();
  final LongAdder refusedLogins = new LongAdder();
  final LongAdder failedLogins = new LongAdder();
  private final Map<String, AcceptRate> rates = new ConcurrentHashMap<>();

  ConnectionStats(int users) {
    this.current = new AtomicIntegerArray(users + 1);
    this.max = new AtomicIntegerArray(users + 1);
    this.idleByUser = new AtomicIntegerArray(users + 1);
  }

  void idleStarted(int user) {
    idle.incrementAndGet();
    idleByUser.incrementAndGet(user);
  }

  void idleEnded(int user) {
    idle.decrementAndGet();
    idleByUser.decrementAndGet(user);
  }

  /** Users with at least one connection in IDLE now. */
  java.util.List<Integer> idleUsers() {
    java.util.List<Integer> out = new java.util.ArrayList<>();
    for (int u = 1; u < idleByUser.length(); u++) {
      if (idleByUser.get(u) > 0) {
        out.add(u);
      }
    }
    return out;
  }

  void accepted(SocketAddress local) {
    accepted.increment();
    open.incrementAndGet();
    String key = local instanceof InetSocketAddress a ? a.getAddress().getHostAddress() + ":" + a.getPort()
        : String.valueOf(local);
    rates.computeIfAbsent(key, k -> new AcceptRate()).tick(System.currentTimeMillis() / 1000);
  }

  void closed() {
    open.decrementAndGet();
  }

  void loggedIn(int user) {
    logins.increment();
    authenticated.incrementAndGet();
    int now = current.incrementAndGet(user);
    max.accumulateAndGet(user, now, Math::max);
    maxAnyUser.accumulateAndGet(now, Math::max);
  }

  void loggedOut(int user) {
    authenticated.decrementAndGet();
    current.decrementAndGet(user);
  }

  int current(int user) {
    return current.get(user);
  }

  int max(int user) {
    return max.get(user);
  }

  int maxAnyUser() {
    return maxAnyUser.get();
  }

  /** Users with at least one logged-in connection now, and how many each has. */
  Map<Integer, Integer> currentByUser() {
    Map<Integer, Integer> out = new LinkedHashMap<>();
    for (int u = 1; u < current.length(); u++) {
      int n = current.get(u);
      if (n > 0) {
        out.put(u, n);
      }
    }
    return out;
  }

  /** Starts the high-water marks again from the current counts. */
  void resetHighWater() {
    int any = 0;
    for (int u = 1; u < current.length(); u++) {
      int n = current.get(u);
      max.set(u, n);
      any = Math.max(any, n);
    }
    maxAnyUser.set(any);
    rates.clear();
  }

  /** Per listening address, the most connections accepted within one second. */
  Map<String, Integer> peakAcceptsPerSecond() {
    Map<String, Integer> out = new LinkedHashMap<>();
    rates.forEach((k, v) -> out.put(k, v.peak()));
    return out;
  }

  private static final class AcceptRate {
    private long second;
    private int count;
    private int peak;

    synchronized void tick(long nowSecond) {
      if (nowSecond != second) {
        second = nowSecond;
        count = 0;
      }
      count++;
      peak = Math.max(peak, count);
    }

    synchronized int peak() {
      return peak;
    }
  }
}

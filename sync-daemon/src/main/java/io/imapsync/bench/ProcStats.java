package io.imapsync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A process's resident memory, threads and CPU time, read from Linux's /proc (-1 where there is none). */
public final class ProcStats {
  // USER_HZ: the unit of utime and stime in /proc/PID/stat; fixed at 100 on Linux x86-64 and arm64.
  private static final long TICKS_PER_SECOND = 100;

  private ProcStats() {}

  public static long rssBytes(long pid) {
    long kib = statusField(pid, "VmRSS:");
    return kib < 0 ? -1 : kib * 1024;
  }

  /**
   * RSS once it stops falling (or after 30 s): after a GC, G1 gives shrunk heap regions back to the
   * OS in the background, so a reading right after System.gc() still counts memory on its way out.
   */
  public static long settledRssBytes(long pid) throws InterruptedException {
    long last = rssBytes(pid);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int steady = 0;
    while (steady < 4 && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(500); // sampling the RSS as it settles
      long now = rssBytes(pid);
      steady = Math.abs(now - last) < last / 200 ? steady + 1 : 0;
      last = now;
    }
    return last;
  }

  public static int threads(long pid) {
    return (int) statusField(pid, "Threads:");
  }

  /** Threads of the process whose names ({@link #threadNames} kinds) are not in {@code harness}. */
  public static int threadsExcept(long pid, java.util.Set<String> harness) {
    int n = 0;
    for (var e : threadNames(pid).entrySet()) {
      if (!harness.contains(e.getKey())) {
        n += e.getValue();
      }
    }
    return n;
  }

  /**
   * Waits until the process is quiet: under {@link #QUIET_CPU_PER_SECOND} of CPU in each of two
   * consecutive seconds, or {@code max} passed. Right after a program has connected everything, its
   * JIT compilers still work through what the connecting made hot (C2 used 0.28 s of a 10 s window
   * that began at once); that is start-up, not what an idle program costs. Every program measured
   * waits the same way. Returns the seconds waited.
   */
  public static double awaitQuiet(long pid, java.time.Duration max) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + max.toNanos();
    int quiet = 0;
    long last = cpuNanos(pid);
    while (quiet < 2 && System.nanoTime() < deadline) {
      TimeUnit.SECONDS.sleep(1); // sampling the process's CPU time once a second
      long now = cpuNanos(pid);
      quiet = now - last < QUIET_CPU_PER_SECOND.toNanos() ? quiet + 1 : 0;
      last = now;
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * Runs this class's readers until the JIT has compiled them, for a benchmark that measures its
   * own process: the first readings of a window otherwise make C2 compile /proc parsing (0.14 s of
   * a 10 s idle window) and bill it to the program measured.
   */
  public static void warmUp(long pid) {
    long sink = 0;
    for (int i = 0; i < 300; i++) {
      var byThread = cpuNanosByThread(pid);
      sink += cpuNanos(pid) + threads(pid) + topCpuMillis(byThread, cpuNanosByThread(pid), 8).size()
          + threadNames(pid).size();
    }
    if (sink == 42) {
      System.out.print(""); // keeps the loop from being optimized away
    }
  }

  /** 1 % of a core. */
  static final java.time.Duration QUIET_CPU_PER_SECOND = java.time.Duration.ofMillis(10);

  /** User plus system CPU time so far (10 ms resolution). */
  public static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name, which is in parentheses and may contain blanks.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
      return ticks * (1_000_000_000L / TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * CPU time so far by thread name ({@code /proc/PID/task/TID/comm}, at most 15 characters, a
   * trailing number as {@code #}; threads of one name are summed), in nanoseconds from {@code schedstat}. Empty where /proc lacks it.
   */
  public static java.util.Map<String, Long> cpuNanosByThread(long pid) {
    java.util.Map<String, Long> byName = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String name = kind(Files.readString(task.resolve("comm")));
          long nanos = Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
          byName.merge(name, nanos, Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException | RuntimeException e) {
      return java.util.Map.of();
    }
    return byName;
  }

  /** A thread's name with its trailing number as {@code #}: one entry for a pool, not one per thread. */
  private static String kind(String comm) {
    return comm.strip().replaceAll("#?\\d+$", "#");
  }

  /** How many threads of each name ({@code /proc/PID/task/TID/comm}) the process has now. */
  public static java.util.Map<String, Integer> threadNames(long pid) {
    java.util.Map<String, Integer> byName = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          byName.merge(kind(Files.readString(task.resolve("comm"))), 1, Integer::sum);
        } catch (IOException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException | RuntimeException e) {
      return java.util.Map.of();
    }
    return byName;
  }

  /**
   * The threads that used the most CPU between two {@link #cpuNanosByThread} readings,
   * milliseconds, largest first, at most {@code top} of them (for a report).
   */
  public static java.util.LinkedHashMap<String, Double> topCpuMillis(java.util.Map<String, Long> before,
      java.util.Map<String, Long> after, int top) {
    java.util.LinkedHashMap<String, Double> out = new java.util.LinkedHashMap<>();
    after.entrySet().stream()
        .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .forEach(e -> out.put(e.getKey(), Math.round(e.getValue() / 1e4) / 100.0));
    return out;
  }

  private static long statusField(long pid, String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.substring(name.length()).replaceAll("\\D", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}

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

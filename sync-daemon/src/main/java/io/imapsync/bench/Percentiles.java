package io.imapsync.bench;

import java.util.List;

/** Nearest-rank percentiles of latency samples, in milliseconds to one decimal. */
public final class Percentiles {
  private Percentiles() {}

  /** {@code sortedMicros} ascending; -1 when there are none. */
  public static double millis(List<Long> sortedMicros, double p) {
    if (sortedMicros.isEmpty()) {
      return -1;
    }
    int i = Math.min(sortedMicros.size() - 1, (int) Math.ceil(p * sortedMicros.size()) - 1);
    return round(sortedMicros.get(Math.max(0, i)) / 1000.0);
  }

  public static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }
}

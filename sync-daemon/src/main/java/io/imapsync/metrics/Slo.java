package io.imapsync.metrics;

import java.time.Duration;
import java.util.Arrays;

/** Service-level bucket boundaries for timers, written in the unit people think in. */
final class Slo {
  private Slo() {}

  static Duration[] millis(long... values) {
    return Arrays.stream(values).mapToObj(Duration::ofMillis).toArray(Duration[]::new);
  }

  static Duration[] seconds(long... values) {
    return Arrays.stream(values).mapToObj(Duration::ofSeconds).toArray(Duration[]::new);
  }
}

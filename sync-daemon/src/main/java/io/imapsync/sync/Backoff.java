package io.imapsync.sync;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter: a fleet reconnecting after an outage spreads out instead of stampeding. */
final class Backoff {
  private final long baseMillis;
  private final long maxMillis;
  private int attempts;

  Backoff(Duration base, Duration max) {
    this.baseMillis = base.toMillis();
    this.maxMillis = max.toMillis();
  }

  long nextDelayMillis() {
    long cap = Math.min(maxMillis, baseMillis << Math.min(attempts, 20));
    attempts++;
    return ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
  }

  void reset() {
    attempts = 0;
  }
}

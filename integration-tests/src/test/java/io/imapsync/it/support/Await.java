package io.imapsync.it.support;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes; the failure says what was awaited. */
public final class Await {
  private Await() {}

  public static <T> T until(String what, Duration timeout, Supplier<T> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long backoffNanos = 1_000_000;
    while (true) {
      T value = probe.get();
      if (value != null && !(value instanceof Boolean b && !b)) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(backoffNanos);
      backoffNanos = Math.min(backoffNanos * 2, 50_000_000);
    }
  }
}

package io.imapsync.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HistogramQuantileTest {
  @Test
  void quantilesOfThePushTimerLieInTheBucketsThatHoldThem() {
    try (DaemonMetrics metrics = DaemonMetrics.create()) {
      for (int i = 1; i <= 100; i++) {
        metrics.push().pushServed(TimeUnit.MILLISECONDS.toNanos(i < 99 ? 20 : 800)); // 98 at 20 ms, 2 at 800 ms
      }
      Timer t = metrics.registry().get(MeterNames.PUSH_LATENCY).timer();
      double p50 = HistogramQuantile.of(t.takeSnapshot(), 0.50, TimeUnit.MILLISECONDS);
      double p99 = HistogramQuantile.of(t.takeSnapshot(), 0.99, TimeUnit.MILLISECONDS);
      assertTrue(p50 > 10 && p50 <= 25, "p50 in the bucket holding 20 ms: " + p50);
      assertTrue(p99 > 500 && p99 <= 1000, "p99 in the bucket holding 800 ms: " + p99);
    }
  }

  @Test
  void noSamplesIsNotANumber() {
    try (DaemonMetrics metrics = DaemonMetrics.create()) {
      Timer t = metrics.registry().get(MeterNames.PUSH_LATENCY).timer();
      assertEquals(Double.NaN, HistogramQuantile.of(t.takeSnapshot(), 0.99, TimeUnit.MILLISECONDS));
    }
  }
}

package io.imapsync.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How fresh the mirror is. Push latency: from an untagged push (EXISTS, EXPUNGE, VANISHED, FETCH,
 * or a NOTIFY STATUS) arriving on a session to the acknowledged write of the first batch carrying
 * events it caused. Sync lag: when a batch of new messages is acknowledged, the age of the newest
 * one by its INTERNALDATE (one-second resolution; first syncs and support's rebuilds excluded).
 */
public final class PushMeters {
  private final Timer pushLatency;
  private final Timer syncLag;

  PushMeters(MeterRegistry registry) {
    this.pushLatency = Histograms.timer(registry, MeterNames.PUSH_LATENCY,
        "Untagged push received to the acknowledged Redis write of its events", Duration.ofMillis(1),
        Duration.ofSeconds(60), Histograms.millis(10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000));
    this.syncLag = Histograms.timer(registry, MeterNames.SYNC_LAG,
        "Age (by INTERNALDATE) of the newest new message when its batch was acknowledged", Duration.ofMillis(100),
        Duration.ofHours(6), Histograms.seconds(1, 2, 5, 15, 30, 60, 300, 900, 3600));
  }

  public void pushServed(long nanos) {
    pushLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Negative ages (the server's clock ahead of ours) count as zero. */
  public void newestMessageAge(long millis) {
    syncLag.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }
}

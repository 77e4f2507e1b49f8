package io.imapsync.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The fenced write path: how long a batch takes to be acknowledged, how big batches are, how many fail. */
public final class RedisWriteMeters {
  private static final double[] BATCH_SLOS = {1, 2, 5, 10, 25, 50, 100, 250};
  /** Meters on a registry that keeps nothing: for writers outside the daemon (benchmarks, tools). */
  public static final RedisWriteMeters NONE = new RedisWriteMeters(new CompositeMeterRegistry());

  private final Timer latency;
  private final DistributionSummary events;
  private final DistributionSummary messages;
  private final Counter failures;

  RedisWriteMeters(MeterRegistry registry) {
    this.latency = Histograms.timer(registry, MeterNames.REDIS_WRITE,
        "EVALSHA of one write batch, sent to acknowledged (successful batches)", Duration.ofMillis(1),
        Duration.ofSeconds(10), Histograms.millis(1, 2, 5, 10, 25, 50, 100, 250, 1000));
    this.events = Histograms.summary(registry, MeterNames.BATCH_EVENTS, "Change events per acknowledged write batch",
        1, 1000, BATCH_SLOS);
    this.messages = Histograms.summary(registry, MeterNames.BATCH_MESSAGES,
        "message.* events (created, updated, moved, deleted) per acknowledged write batch", 1, 1000, BATCH_SLOS);
    this.failures = Counter.builder(MeterNames.REDIS_WRITE_FAILURES)
        .description("Write batches that failed for any reason but a stale owner epoch")
        .register(registry);
  }

  /** A batch was acknowledged after {@code nanos}. */
  public void written(long nanos, int eventCount, int messageCount) {
    latency.record(nanos, TimeUnit.NANOSECONDS);
    events.record(eventCount);
    messages.record(messageCount);
  }

  public void failed() {
    failures.increment();
  }
}

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
  /** Meters on a registry that keeps nothing: for writers outside the daemon (benchmarks, tools). */
  public static final RedisWriteMeters NONE = new RedisWriteMeters(new CompositeMeterRegistry());

  private final Timer latency;
  private final DistributionSummary events;
  private final DistributionSummary messages;
  private final Counter failures;

  RedisWriteMeters(MeterRegistry registry) {
    this.latency = Timer.builder(MeterNames.REDIS_WRITE)
        .description("EVALSHA of one write batch, sent to acknowledged (successful batches)")
        .publishPercentileHistogram()
        .serviceLevelObjectives(Slo.millis(1, 2, 5, 10, 25, 50, 100, 250, 1000))
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    this.events = batchSize(registry, MeterNames.BATCH_EVENTS, "Change events per acknowledged write batch");
    this.messages = batchSize(registry, MeterNames.BATCH_MESSAGES,
        "message.* events (created, updated, moved, deleted) per acknowledged write batch");
    this.failures = Counter.builder(MeterNames.REDIS_WRITE_FAILURES)
        .description("Write batches that failed for any reason but a stale owner epoch")
        .register(registry);
  }

  private static DistributionSummary batchSize(MeterRegistry registry, String name, String description) {
    return DistributionSummary.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .serviceLevelObjectives(1, 2, 5, 10, 25, 50, 100, 250)
        .minimumExpectedValue(1.0)
        .maximumExpectedValue(1000.0)
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

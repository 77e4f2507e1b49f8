package io.imapsync.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;

/**
 * The daemon's histograms, built one way: Prometheus buckets (so p99 can be computed across
 * daemons) between fixed bounds, so each holds a fixed number of buckets whatever the load, plus
 * service-level boundaries written in the unit people think in.
 */
final class Histograms {
  private Histograms() {}

  static Timer timer(MeterRegistry registry, String name, String description, Duration min, Duration max,
      Duration... slos) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .serviceLevelObjectives(slos)
        .minimumExpectedValue(min)
        .maximumExpectedValue(max)
        .register(registry);
  }

  static DistributionSummary summary(MeterRegistry registry, String name, String description, double min, double max,
      double... slos) {
    return DistributionSummary.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .serviceLevelObjectives(slos)
        .minimumExpectedValue(min)
        .maximumExpectedValue(max)
        .register(registry);
  }

  static Duration[] millis(long... values) {
    return Arrays.stream(values).mapToObj(Duration::ofMillis).toArray(Duration[]::new);
  }

  static Duration[] seconds(long... values) {
    return Arrays.stream(values).mapToObj(Duration::ofSeconds).toArray(Duration[]::new);
  }
}

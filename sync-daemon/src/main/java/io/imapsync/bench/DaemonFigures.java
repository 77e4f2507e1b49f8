package io.imapsync.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.metrics.HistogramQuantile;
import io.imapsync.metrics.MeterNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's own view of a benchmark run, read from the meters it exports (docs/metrics.md):
 * IDLE sessions from the session gauge, push latency percentiles from the push histogram as
 * Prometheus's histogram_quantile would compute them. Printed beside the benchmark's end-to-end
 * figures, so a dashboard's numbers can be checked against a measured run.
 */
record DaemonFigures(double idleSessions, long pushes, double p50Millis, double p99Millis, double p999Millis) {
  static DaemonFigures read(MeterRegistry registry) {
    return read(registry, null);
  }

  /** The push histogram as it is now, to leave out what came before (a warm-up) with {@link #read(MeterRegistry, HistogramSnapshot)}. */
  static HistogramSnapshot pushes(MeterRegistry registry) {
    return registry.get(MeterNames.PUSH_LATENCY).timer().takeSnapshot();
  }

  /** Figures of the pushes since {@code before} (null: all), bucket by bucket as rate() over a window would. */
  static DaemonFigures read(MeterRegistry registry, HistogramSnapshot before) {
    double idle = registry.get(MeterNames.SESSIONS).tag("state", "idle").gauge().value();
    HistogramSnapshot push = pushes(registry);
    if (before != null) {
      CountAtBucket[] now = push.histogramCounts();
      CountAtBucket[] then = before.histogramCounts();
      CountAtBucket[] diff = new CountAtBucket[now.length];
      for (int i = 0; i < now.length; i++) {
        diff[i] = new CountAtBucket(now[i].bucket(), now[i].count() - (i < then.length ? then[i].count() : 0));
      }
      push = new HistogramSnapshot(push.count() - before.count(), push.total() - before.total(), push.max(),
          null, diff, null);
    }
    return new DaemonFigures(idle, push.count(), millis(push, 0.50), millis(push, 0.99), millis(push, 0.999));
  }

  private static double millis(HistogramSnapshot s, double q) {
    double v = HistogramQuantile.of(s, q, TimeUnit.MILLISECONDS);
    return Double.isNaN(v) ? -1 : Math.round(v * 10) / 10.0;
  }

  void report(ObjectNode report, double idleWhenAllIdle) {
    report.put("idle_sessions_daemon", idleWhenAllIdle);
    report.put("pushes_measured_daemon", pushes);
    report.put("push_latency_daemon_ms_p50", p50Millis);
    report.put("push_latency_daemon_ms_p99", p99Millis);
    report.put("push_latency_daemon_ms_p999", p999Millis);
  }
}

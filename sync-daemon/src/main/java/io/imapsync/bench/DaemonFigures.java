package io.imapsync.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.metrics.HistogramQuantile;
import io.imapsync.metrics.MeterNames;
import io.micrometer.core.instrument.MeterRegistry;
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
    double idle = registry.get(MeterNames.SESSIONS).tag("state", "idle").gauge().value();
    HistogramSnapshot push = registry.get(MeterNames.PUSH_LATENCY).timer().takeSnapshot();
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

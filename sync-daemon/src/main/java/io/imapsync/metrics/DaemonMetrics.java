package io.imapsync.metrics;

import io.imapsync.normalize.WarningKind;
import io.imapsync.normalize.WarningListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * The process's meters, one registry for all of them (Prometheus, scraped by the admin server).
 * Meters are shared: nothing here is created per connection or per mailbox; gauges over the
 * daemon's state are computed when scraped (daemon.SessionCensus).
 */
public final class DaemonMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry;
  private final ImapMeters imap;
  private final RedisWriteMeters writes;
  private final PushMeters push;
  private final Map<ErrorKind, Counter> errors = new EnumMap<>(ErrorKind.class);
  private final Map<WarningKind, Counter> warnings = new EnumMap<>(WarningKind.class);
  private final WarningListener warningCounter = kind -> warnings.get(kind).increment();
  private JvmGcMetrics gc;

  public DaemonMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    this.imap = new ImapMeters(registry);
    this.writes = new RedisWriteMeters(registry);
    this.push = new PushMeters(registry);
    // Every kind registered up front: a rate over a series that exists reads 0, not "no data".
    for (ErrorKind k : ErrorKind.values()) {
      errors.put(k, Counter.builder(MeterNames.ERRORS).tag("kind", k.tag())
          .description("Watcher connections that failed, by cause").register(registry));
    }
    for (WarningKind k : WarningKind.values()) {
      warnings.put(k, Counter.builder(MeterNames.PARSE_WARNINGS).tag("kind", k.tag())
          .description("Parse warnings recorded in message documents, by kind").register(registry));
    }
  }

  public static DaemonMetrics create() {
    return new DaemonMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** JVM and process meters (memory, GC, threads, CPU, open files, uptime); once, for a daemon process. */
  public synchronized void bindProcessMeters() {
    if (gc != null) {
      return;
    }
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public ImapMeters imap() {
    return imap;
  }

  public RedisWriteMeters writes() {
    return writes;
  }

  public PushMeters push() {
    return push;
  }

  public void error(ErrorKind kind) {
    errors.get(kind).increment();
  }

  /** Counts parse warnings by kind; hand it to the normalizer's options. */
  public WarningListener parseWarnings() {
    return warningCounter; // one instance: every watcher's normalizer shares it
  }

  @Override
  public synchronized void close() {
    if (gc != null) {
      gc.close(); // removes its GC notification listeners
    }
    registry.close();
  }
}

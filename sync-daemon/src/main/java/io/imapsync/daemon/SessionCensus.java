package io.imapsync.daemon;

import io.imapsync.metrics.MeterNames;
import io.imapsync.sync.AccountSync;
import io.imapsync.sync.MailboxWatcher;
import io.imapsync.sync.WatcherState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Gauges over the daemon's watchers, counted when scraped: connections per state
 * ({@code imapsync.sessions{state}}) and accounts ({@code imapsync.accounts}). Nothing is kept
 * per connection; a scrape walks the accounts once (the tally serves every gauge of that scrape).
 */
final class SessionCensus implements AutoCloseable {
  /** A scrape reads all gauges within this: one walk serves them all. */
  private static final long FRESH_NANOS = 500_000_000L;

  private record Tally(long atNanos, int accounts, int[] byState) {}

  private final MeterRegistry registry;
  private final Supplier<List<AccountSync>> accounts;
  private final List<Meter> meters = new ArrayList<>();
  private volatile Tally last;

  SessionCensus(MeterRegistry registry, Supplier<List<AccountSync>> accounts) {
    this.registry = registry;
    this.accounts = accounts;
    for (WatcherState s : WatcherState.values()) {
      meters.add(Gauge.builder(MeterNames.SESSIONS, this, c -> c.tally().byState()[s.ordinal()])
          .tag("state", s.name().toLowerCase(Locale.ROOT))
          .description("Watcher connections in each state (idle: in IMAP IDLE, waiting for pushes)")
          .register(registry));
    }
    meters.add(Gauge.builder(MeterNames.ACCOUNTS, this, c -> c.tally().accounts())
        .description("Accounts the daemon runs").register(registry));
  }

  private Tally tally() {
    long now = System.nanoTime();
    Tally t = last;
    if (t == null || now - t.atNanos() > FRESH_NANOS) {
      t = count(now);
      last = t;
    }
    return t;
  }

  private Tally count(long now) {
    int[] byState = new int[WatcherState.values().length];
    List<AccountSync> all = accounts.get();
    for (AccountSync a : all) {
      for (MailboxWatcher w : a.watchers()) {
        WatcherState s = w.state();
        if (s != null) {
          byState[s.ordinal()]++;
        }
      }
    }
    return new Tally(now, all.size(), byState);
  }

  /** Removes the gauges, so a daemon started later on the same registry registers its own. */
  @Override
  public void close() {
    meters.forEach(registry::remove);
  }
}

package io.imapsync.metrics;

/**
 * Every meter name the daemon registers (Micrometer dotted form; Prometheus shows dots as
 * underscores and adds unit and type suffixes, docs/metrics.md lists both).
 */
public final class MeterNames {
  private MeterNames() {}

  /** Gauge, tag {@code state}: watcher connections per {@link io.imapsync.sync.WatcherState}. */
  public static final String SESSIONS = "imapsync.sessions";
  /** Gauge: accounts the daemon runs. */
  public static final String ACCOUNTS = "imapsync.accounts";

  public static final String CONNECTS = "imapsync.imap.connects";
  public static final String CONNECT_FAILURES = "imapsync.imap.connect.failures";
  public static final String LOGINS = "imapsync.imap.logins";
  public static final String LOGIN_FAILURES = "imapsync.imap.login.failures";
  public static final String RECEIVED = "imapsync.imap.received";
  public static final String SENT = "imapsync.imap.sent";

  /** Timer: a push (EXISTS, EXPUNGE, VANISHED, FETCH, NOTIFY STATUS) to the acknowledged write of its events. */
  public static final String PUSH_LATENCY = "imapsync.push.latency";
  /** Timer: age of the newest new message (its INTERNALDATE) when its batch was acknowledged. */
  public static final String SYNC_LAG = "imapsync.sync.lag";

  public static final String REDIS_WRITE = "imapsync.redis.write";
  public static final String REDIS_WRITE_FAILURES = "imapsync.redis.write.failures";
  public static final String BATCH_EVENTS = "imapsync.redis.batch.events";
  public static final String BATCH_MESSAGES = "imapsync.redis.batch.messages";

  /** Counter, tag {@code kind}: parse warnings recorded in message documents. */
  public static final String PARSE_WARNINGS = "imapsync.parse.warnings";
  /** Counter, tag {@code kind}: watcher failures by cause. */
  public static final String ERRORS = "imapsync.errors";
}

package io.imapsync.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * IMAP connection meters by server host: connects, connect failures, logins, login failures, and
 * the octets read and written. Counters are looked up by name and tag when an event happens
 * (connects and logins are rare next to idle time), so no connection holds a meter of its own.
 */
public final class ImapMeters {
  /** Distinct host tags kept; further hosts share {@link #OTHER_HOST}, so a fleet of small servers cannot grow the registry. */
  public static final int MAX_HOSTS = 100;
  public static final String OTHER_HOST = "other";

  private final MeterRegistry registry;
  private final Set<String> hosts = ConcurrentHashMap.newKeySet();
  private final TrafficCounter traffic;

  ImapMeters(MeterRegistry registry) {
    this.registry = registry;
    this.traffic = new TrafficCounter(
        Counter.builder(MeterNames.RECEIVED).baseUnit("bytes")
            .description("Octets read from IMAP servers (on the wire: TLS and compression included)").register(registry),
        Counter.builder(MeterNames.SENT).baseUnit("bytes")
            .description("Octets written to IMAP servers (on the wire)").register(registry));
  }

  /** The shared handler that counts bytes on every IMAP pipeline. */
  public TrafficCounter traffic() {
    return traffic;
  }

  /** A connection was opened and greeted (TLS done where asked). */
  public void connected(String host) {
    count(MeterNames.CONNECTS, "IMAP connections opened", host);
  }

  /** A connection attempt failed before a session existed (refused, timed out, TLS, greeting). */
  public void connectFailed(String host) {
    count(MeterNames.CONNECT_FAILURES, "IMAP connection attempts that failed", host);
  }

  /** LOGIN or AUTHENTICATE was sent (PREAUTH sessions are not counted). */
  public void loginAttempted(String host) {
    count(MeterNames.LOGINS, "IMAP logins attempted (LOGIN or AUTHENTICATE)", host);
  }

  /** The server rejected the credentials. */
  public void loginFailed(String host) {
    count(MeterNames.LOGIN_FAILURES, "IMAP logins the server rejected", host);
  }

  private void count(String name, String description, String host) {
    Counter.builder(name).description(description).tag("host", hostTag(host)).register(registry).increment();
  }

  String hostTag(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (hosts.size() < MAX_HOSTS) {
      hosts.add(h); // racing adds may pass the cap by a few: the bound is what matters
    }
    return hosts.contains(h) ? h : OTHER_HOST;
  }
}

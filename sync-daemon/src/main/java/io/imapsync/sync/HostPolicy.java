package io.imapsync.sync;

import java.time.Duration;

/**
 * How hard the daemon may press one IMAP server host: connection attempts per second (a fleet
 * reconnecting after an outage must not look like an attack), and when to stop trying for a
 * while (circuit breaker: a down provider is not hammered).
 */
public record HostPolicy(
    int connectsPerSecond,
    int breakerWindow,
    float breakerFailureRatePercent,
    Duration breakerOpenFor,
    Duration backoffBase,
    Duration backoffMax) {

  public static final HostPolicy DEFAULTS = new HostPolicy(20, 20, 50f, Duration.ofSeconds(30),
      Duration.ofSeconds(1), Duration.ofMinutes(2));

  public HostPolicy {
    if (connectsPerSecond < 1) {
      throw new IllegalArgumentException("connectsPerSecond must be at least 1");
    }
    if (breakerWindow < 2 || breakerFailureRatePercent <= 0 || breakerFailureRatePercent > 100) {
      throw new IllegalArgumentException("breaker window must be >= 2 and failure rate in (0, 100]");
    }
  }

  /** The same policy at another connection rate. */
  public HostPolicy withConnectsPerSecond(int rate) {
    return new HostPolicy(rate, breakerWindow, breakerFailureRatePercent, breakerOpenFor, backoffBase, backoffMax);
  }
}

package io.imapsync.daemon;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How often IDLE is re-issued, per IMAP host: providers differ (Gmail drops IDLE after about ten
 * minutes, NAT gateways cut idle TCP at 350 s). Exact host names win over {@code *.domain}
 * patterns; everything else gets the default. At most 29 minutes (RFC 2177).
 */
public final class IdleRenewals {
  public static final Duration MAX = Duration.ofMinutes(29);

  private final Duration defaultRenewal;
  private final Map<String, Duration> byHost = new LinkedHashMap<>();

  public IdleRenewals(Duration defaultRenewal) {
    this.defaultRenewal = check("default", defaultRenewal);
  }

  /** {@code host} is a name ("imap.gmail.com") or a pattern ("*.example.com"). */
  public IdleRenewals with(String host, Duration renewal) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("IDLE renewal: host is empty");
    }
    byHost.put(host.toLowerCase(Locale.ROOT), check(host, renewal));
    return this;
  }

  /** Parses {@code HOST=DURATION} (ISO-8601, e.g. {@code imap.gmail.com=PT9M}). */
  public IdleRenewals with(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("IDLE renewal '" + spec + "': expected HOST=DURATION, e.g. imap.gmail.com=PT9M");
    }
    try {
      return with(spec.substring(0, eq).strip(), Duration.parse(spec.substring(eq + 1).strip()));
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("IDLE renewal '" + spec + "': the duration must be ISO-8601, e.g. PT9M");
    }
  }

  public Duration forHost(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    Duration exact = byHost.get(h);
    if (exact != null) {
      return exact;
    }
    for (var e : byHost.entrySet()) {
      if (e.getKey().startsWith("*.") && h.endsWith(e.getKey().substring(1))) {
        return e.getValue();
      }
    }
    return defaultRenewal;
  }

  private static Duration check(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero() || d.compareTo(MAX) > 0) {
      throw new IllegalArgumentException("IDLE renewal for " + what + " must be more than 0 and at most 29 minutes"
          + " (RFC 2177), was " + d);
    }
    return d;
  }
}

package io.imapsync.loadsim;

import java.time.Clock;
import java.time.Instant;
import java.util.OptionalLong;

/**
 * The clock deliveries are stamped with: epoch microseconds from the system clock, so a process
 * on the same machine (the benchmark reading events from Redis) can compare its own
 * {@link #nowMicros()} with the {@value #HEADER} header of a message.
 */
public final class Stamps {
  /** The header every delivered message carries; its value is epoch microseconds. */
  public static final String HEADER = "X-Loadsim-Stamp";

  private static final Clock CLOCK = Clock.systemUTC();

  private Stamps() {}

  public static long nowMicros() {
    Instant now = CLOCK.instant();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  /**
   * The stamp of a delivered message's Message-ID ({@code <d{stamp}.{uid}.…>}, angle brackets
   * optional), or empty for any other Message-ID: a client that fetched only the envelope can
   * still time the push.
   */
  public static OptionalLong fromMessageId(String messageId) {
    if (messageId == null) {
      return OptionalLong.empty();
    }
    int start = messageId.startsWith("<") ? 1 : 0;
    int dot = messageId.indexOf('.', start);
    if (dot < start + 2 || messageId.charAt(start) != 'd') {
      return OptionalLong.empty();
    }
    return parse(messageId.substring(start + 1, dot));
  }

  /** The stamp in a header value (surrounding blanks allowed), or empty when it is not one. */
  public static OptionalLong parse(String headerValue) {
    if (headerValue == null) {
      return OptionalLong.empty();
    }
    String v = headerValue.strip();
    if (v.isEmpty() || v.length() > 18) {
      return OptionalLong.empty(); // 18 digits reach the year 33658; more is not a stamp of ours
    }
    long n = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return OptionalLong.empty();
      }
      n = n * 10 + (c - '0');
    }
    return OptionalLong.of(n);
  }
}

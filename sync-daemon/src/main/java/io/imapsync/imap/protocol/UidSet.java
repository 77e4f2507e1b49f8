package io.imapsync.imap.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * A set of UIDs as ranges (RFC 9051 sequence-set without '*'). Kept as ranges because VANISHED
 * (EARLIER) after a long outage can name millions of UIDs in a few bytes.
 */
public record UidSet(long[] starts, long[] ends) {

  public static UidSet parse(String text) {
    if (text.isEmpty() || text.endsWith(",") || text.startsWith(",")) {
      // CVE-2021-32055: a trailing comma once read past the end of a buffer.
      throw new ImapSyntaxException("malformed sequence set: '" + Printable.of(text, 64) + "'");
    }
    List<long[]> ranges = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      int colon = part.indexOf(':');
      long a;
      long b;
      if (colon < 0) {
        a = b = number(part);
      } else {
        a = number(part.substring(0, colon));
        b = number(part.substring(colon + 1));
      }
      ranges.add(new long[] {Math.min(a, b), Math.max(a, b)});
    }
    long[] s = new long[ranges.size()];
    long[] e = new long[ranges.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = ranges.get(i)[0];
      e[i] = ranges.get(i)[1];
    }
    return new UidSet(s, e);
  }

  private static long number(String s) {
    if (s.isEmpty() || s.length() > 10) {
      throw new ImapSyntaxException("malformed number in sequence set: '" + Printable.of(s, 32) + "'");
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new ImapSyntaxException("malformed number in sequence set: '" + Printable.of(s, 32) + "'");
      }
      v = v * 10 + (c - '0');
    }
    if (v == 0 || v > 0xFFFF_FFFFL) {
      throw new ImapSyntaxException("sequence number out of range: " + v);
    }
    return v;
  }

  /** Total number of UIDs named. */
  public long size() {
    long n = 0;
    for (int i = 0; i < starts.length; i++) {
      n += ends[i] - starts[i] + 1;
    }
    return n;
  }

  public boolean contains(long uid) {
    for (int i = 0; i < starts.length; i++) {
      if (uid >= starts[i] && uid <= ends[i]) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < starts.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(starts[i]);
      if (ends[i] != starts[i]) {
        sb.append(':').append(ends[i]);
      }
    }
    return sb.toString();
  }
}

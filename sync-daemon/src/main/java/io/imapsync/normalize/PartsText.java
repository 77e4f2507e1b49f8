package io.imapsync.normalize;

/**
 * The text of a message's text/plain (or text/html) parts, joined by newlines and never longer
 * than {@code cap} + 1 characters (the +1 shows that it was cut). Most messages have one such
 * part: that string is kept as it is, and a builder is made only for a second part.
 */
final class PartsText {
  private final int cap;
  private String single;
  private StringBuilder joined;

  PartsText(int cap) {
    this.cap = cap;
  }

  void add(String part) {
    if (single == null && joined == null) {
      single = part.length() <= cap + 1 ? part : part.substring(0, cap + 1);
      return;
    }
    if (joined == null) {
      joined = new StringBuilder(Math.min(cap + 1, single.length() + 1 + part.length()));
      joined.append(single);
      single = null;
    }
    if (joined.length() <= cap) {
      joined.append('\n');
    }
    int room = cap + 1 - joined.length();
    if (room > 0) {
      joined.append(part, 0, Math.min(room, part.length()));
    }
  }

  /** The joined text, or null when no part was added. */
  String result() {
    return joined != null ? joined.toString() : single;
  }
}

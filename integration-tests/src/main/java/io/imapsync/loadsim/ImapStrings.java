package io.imapsync.loadsim;

import java.nio.charset.StandardCharsets;

/** Renders strings as IMAP quoted strings, literals or NIL (RFC 9051 §4.3). */
final class ImapStrings {
  private ImapStrings() {}

  /** {@code nstring}: NIL for null, a quoted string when it can be one, else a literal. */
  static void nstring(StringBuilder sb, String s) {
    if (s == null) {
      sb.append("NIL");
      return;
    }
    boolean quotable = s.length() <= 1000;
    for (int i = 0; i < s.length() && quotable; i++) {
      char c = s.charAt(i);
      quotable = c >= 0x20 && c < 0x7f;
    }
    if (quotable) {
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          sb.append('\\');
        }
        sb.append(c);
      }
      sb.append('"');
    } else {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      // Latin-1 round trip: the literal octets are appended as chars 0-255 and written back as bytes.
      sb.append('{').append(b.length).append("}\r\n").append(new String(b, StandardCharsets.ISO_8859_1));
    }
  }

  /**
   * As {@link #nstring}, for text whose chars are octets (a raw header read as ISO-8859-1): a
   * literal then carries the octets as they are, not re-encoded.
   */
  static void nstringRaw(StringBuilder sb, String octets) {
    if (octets == null || octets.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      nstring(sb, octets == null ? null : octets.strip());
      return;
    }
    sb.append('{').append(octets.length()).append("}\r\n").append(octets);
  }

  static String quoted(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    nstring(sb, s);
    return sb.toString();
  }
}

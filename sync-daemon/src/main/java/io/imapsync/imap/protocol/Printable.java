package io.imapsync.imap.protocol;

/** Renders untrusted server text for logs and error messages: control octets escaped, length capped. */
public final class Printable {
  private Printable() {}

  public static String of(CharSequence s, int max) {
    StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 8);
    for (int i = 0; i < s.length() && sb.length() < max; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (s.length() > max) {
      sb.append("...");
    }
    return sb.toString();
  }
}

package io.imapsync.normalize;

import java.util.Locale;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.util.ByteSequence;

/**
 * One header field's value as text: cut to {@link NormalizerLimits#maxFieldOctets()}, unfolded
 * (every CR and LF removed, RFC 5322 §2.2.3), its octets decoded as UTF-8 when valid (RFC 6532)
 * and as windows-1252 otherwise. Encoded-words are left for the caller, who knows the syntax.
 */
final class HeaderFields {
  private HeaderFields() {}

  /** Lower-case field name. */
  static String name(Field field) {
    String n = field.getName();
    return n == null ? "" : n.toLowerCase(Locale.ROOT); // mime4j strips the name already
  }

  static String value(Field field, NormalizerLimits limits, Warnings warnings) {
    ByteSequence raw = field.getRaw();
    String name = field.getName();
    if (raw == null) {
      String body = field.getBody();
      return body == null ? "" : Text.cut(body, limits.maxFieldOctets());
    }
    int len = raw.length();
    int colon = -1;
    for (int i = 0; i < len; i++) {
      if (raw.byteAt(i) == ':') {
        colon = i;
        break;
      }
    }
    int start = colon + 1;
    int end = len;
    if (end - start > limits.maxFieldOctets()) {
      warnings.add(WarningKind.LIMIT, displayName(name) + " header of " + (end - start) + " octets cut to " + limits.maxFieldOctets());
      end = start + limits.maxFieldOctets();
    }
    byte[] bytes = new byte[end - start];
    int k = 0;
    for (int i = start; i < end; i++) {
      byte b = raw.byteAt(i);
      if (b != '\r' && b != '\n') {
        bytes[k++] = b;
      }
    }
    int from = 0;
    while (from < k && (bytes[from] == ' ' || bytes[from] == '\t')) {
      from++;
    }
    int to = k;
    while (to > from && (bytes[to - 1] == ' ' || bytes[to - 1] == '\t')) {
      to--;
    }
    boolean[] notUtf8 = {false};
    String s = Charsets.headerOctets(bytes, from, to - from, notUtf8);
    if (notUtf8[0]) {
      warnings.add(WarningKind.CHARSET, "8-bit octets in " + displayName(name) + " header are not UTF-8; decoded as windows-1252");
    }
    return s;
  }

  /** The name as it may appear in a warning: at most 40 printable characters. */
  static String displayName(String name) {
    if (name == null) {
      return "(unnamed)";
    }
    String n = Text.compact(name, null);
    return n.isEmpty() ? "(unnamed)" : Text.cut(n, 40);
  }
}

package io.imapsync.normalize;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Charset names as mail uses them, to Java charsets; unknown ones decode lossily with a warning. */
final class Charsets {
  private static final Map<String, String> ALIASES = Map.of(
      "utf8", "UTF-8",
      "unicode-1-1-utf-7", "UTF-8",
      "x-unknown", "windows-1252",
      "unknown-8bit", "windows-1252",
      "ks_c_5601-1987", "x-windows-949",
      "gb2312", "GBK",
      "iso-8859-8-i", "ISO-8859-8",
      "ansi_x3.4-1968", "US-ASCII",
      "cp-850", "IBM850");

  private Charsets() {}

  static Charset lookup(String name, List<String> warnings) {
    if (name == null || name.isBlank()) {
      return StandardCharsets.ISO_8859_1; // RFC 2045 default is ASCII; Latin-1 never fails on 8-bit
    }
    String n = name.strip().toLowerCase(Locale.ROOT);
    if (n.startsWith("\"") && n.endsWith("\"") && n.length() > 1) {
      n = n.substring(1, n.length() - 1);
    }
    if (n.equals("us-ascii")) {
      // Mail labelled ASCII is often Latin-1 in practice; Latin-1 is a superset and never fails.
      return StandardCharsets.ISO_8859_1;
    }
    String alias = ALIASES.get(n);
    try {
      return Charset.forName(alias != null ? alias : n);
    } catch (RuntimeException e) {
      warnings.add("unknown charset '" + (n.length() > 40 ? n.substring(0, 40) : n) + "'; decoded as windows-1252");
      return Charset.forName("windows-1252");
    }
  }
}

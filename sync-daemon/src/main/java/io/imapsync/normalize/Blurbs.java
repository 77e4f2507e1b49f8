package io.imapsync.normalize;

import java.util.Locale;

/**
 * The short preview of a message: its own words, without quoted replies ({@code >} lines), the
 * attribution line above them ("On ... wrote:", in the common languages), a forwarded or
 * Outlook-style original below a separator, or the signature ({@code -- }); white space collapsed,
 * control characters removed, cut at a word boundary with an ellipsis.
 *
 * <p>Reads lines lazily and stops once it has enough, so its cost is bounded by the preview, not
 * by the body.
 */
final class Blurbs {
  private Blurbs() {}

  static String of(String text, int maxChars) {
    if (text == null || text.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder(Math.min(text.length(), maxChars * 2));
    int n = text.length();
    int pos = 0;
    while (pos < n && sb.length() <= maxChars * 2) {
      int nl = text.indexOf('\n', pos);
      int end = nl < 0 ? n : nl;
      String line = text.substring(pos, end);
      pos = end + 1;
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      String trimmed = line.strip();
      if (line.equals("-- ") || trimmed.equals("--")) {
        break; // signature separator (RFC 3676 §4.3)
      }
      if (trimmed.startsWith(">")) {
        continue;
      }
      if (isSeparator(trimmed)) {
        break; // an unquoted original follows
      }
      int attribution = attributionLines(trimmed, text, pos);
      if (attribution > 0) {
        // skip it (and its wrapped second line); the quote below is skipped line by line, and
        // the sender's own words may follow it (inline replies)
        if (attribution == 2) {
          int nl2 = text.indexOf('\n', pos);
          pos = nl2 < 0 ? n : nl2 + 1;
        }
        continue;
      }
      if (!trimmed.isEmpty()) {
        if (sb.length() > 0) {
          sb.append(' ');
        }
        sb.append(trimmed);
      }
    }
    String s = Text.line(sb.toString(), Integer.MAX_VALUE, false, null);
    if (s == null) {
      return "";
    }
    if (s.length() <= maxChars) {
      return s;
    }
    int cut = s.lastIndexOf(' ', maxChars);
    return Text.cut(s, cut > maxChars / 2 ? cut : maxChars) + "…";
  }

  /** Lines after which only the quoted original follows. */
  private static boolean isSeparator(String line) {
    if (line.length() < 20 || (line.charAt(0) != '-' && line.charAt(0) != '_')) {
      return false; // cheap test first: this runs for every line
    }
    String l = line.toLowerCase(Locale.ROOT);
    return l.startsWith("-----original message-----") || l.startsWith("----- original message -----")
        || l.equals("________________________________") || l.startsWith("-------- original message --------")
        || l.startsWith("---------- forwarded message ---------") || l.startsWith("-------- forwarded message --------");
  }

  /**
   * 1 for "On Mon, 1 Jan 2024, Alice wrote:" followed by quoted text (or nothing), 2 when it is
   * wrapped over two lines ("wrote:" on the second), 0 for any other line.
   */
  private static int attributionLines(String line, String text, int nextPos) {
    if (line.length() < 3 || !(line.endsWith(":") || line.regionMatches(true, 0, "on ", 0, 3)
        || line.regionMatches(true, 0, "am ", 0, 3) || line.regionMatches(true, 0, "le ", 0, 3))) {
      return 0; // cheap test first: this runs for every line
    }
    String l = line.toLowerCase(Locale.ROOT);
    String next = nextNonBlank(text, nextPos);
    boolean quoteFollows = next == null || next.startsWith(">");
    if (line.endsWith(":") && quoteFollows && (l.contains("wrote") || l.contains("schrieb") || l.contains("écrit")
        || l.contains("escribió") || l.contains("scritto") || l.contains("skrev") || l.contains("schreef")
        || l.contains("написал") || l.startsWith("on ") || l.startsWith("am ") || l.startsWith("le "))) {
      return 1;
    }
    // "On Mon, Jan 1, 2024 at 10:00 AM Alice <alice@example.com>" + "wrote:" on the next line
    if ((l.startsWith("on ") || l.startsWith("am ") || l.startsWith("le ")) && next != null
        && next.toLowerCase(Locale.ROOT).endsWith("wrote:")) {
      return 2;
    }
    return 0;
  }

  private static String nextNonBlank(String text, int pos) {
    int n = text.length();
    for (int tries = 0; pos < n && tries < 3; tries++) {
      int nl = text.indexOf('\n', pos);
      int end = nl < 0 ? n : nl;
      String t = text.substring(pos, end).strip();
      if (!t.isEmpty()) {
        return t;
      }
      pos = end + 1;
    }
    return null;
  }
}

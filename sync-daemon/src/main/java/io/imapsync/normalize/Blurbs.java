package io.imapsync.normalize;

/**
 * The short preview of a message: its own words, without quoted replies, attribution lines
 * ("On ... wrote:") or the signature, whitespace collapsed.
 */
final class Blurbs {
  private Blurbs() {}

  static String of(String text, int maxChars) {
    if (text == null || text.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder(Math.min(text.length(), maxChars * 2));
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length && sb.length() < maxChars * 2; i++) {
      String line = lines[i];
      String trimmed = line.strip();
      if (line.equals("-- ") || trimmed.equals("--")) {
        break; // signature separator (RFC 3676 §4.3)
      }
      if (trimmed.startsWith(">")) {
        continue;
      }
      if (isAttribution(trimmed, i + 1 < lines.length ? lines[i + 1].strip() : "")) {
        break;
      }
      if (!trimmed.isEmpty()) {
        if (sb.length() > 0) {
          sb.append(' ');
        }
        sb.append(trimmed.replaceAll("\\s+", " "));
      }
    }
    String s = sb.toString();
    if (s.length() <= maxChars) {
      return s;
    }
    int cut = s.lastIndexOf(' ', maxChars);
    return (cut > maxChars / 2 ? s.substring(0, cut) : s.substring(0, maxChars)) + "…";
  }

  /** "On Mon, 1 Jan 2024, Alice wrote:" followed by quoted text, in the common languages. */
  private static boolean isAttribution(String line, String next) {
    if (!(line.endsWith(":") && next.startsWith(">"))) {
      return false;
    }
    String l = line.toLowerCase(java.util.Locale.ROOT);
    return l.contains("wrote") || l.contains("schrieb") || l.contains("écrit") || l.contains("escribió")
        || l.contains("scritto") || l.contains("skrev") || l.contains("schreef") || l.startsWith("on ");
  }
}

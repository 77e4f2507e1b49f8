package io.imapsync.normalize;

import java.util.Locale;
import java.util.Map;

/**
 * Plain text from HTML, for the blurb when a message has no text part. A single forward scan:
 * tags dropped, {@code script}, {@code style}, {@code head}, {@code title} and {@code template}
 * dropped with their content, {@code blockquote} (quoted replies) dropped with nested content,
 * block elements become line breaks, character references decoded. It stops once it has
 * {@code maxChars} characters, so its cost is bounded by what the preview needs, not by the HTML.
 *
 * <p>Replaces a regex version whose {@code <script>.*?</script>} patterns were quadratic on
 * input such as {@code <style>} repeated without a closing tag.
 */
final class HtmlText {
  private static final Map<String, String> ENTITIES = Map.ofEntries(
      Map.entry("nbsp", " "), Map.entry("amp", "&"), Map.entry("lt", "<"), Map.entry("gt", ">"),
      Map.entry("quot", "\""), Map.entry("apos", "'"), Map.entry("hellip", "…"), Map.entry("mdash", "—"),
      Map.entry("ndash", "–"), Map.entry("lsquo", "‘"), Map.entry("rsquo", "’"), Map.entry("ldquo", "“"),
      Map.entry("rdquo", "”"), Map.entry("copy", "©"), Map.entry("reg", "®"), Map.entry("euro", "€"),
      Map.entry("zwnj", ""), Map.entry("zwj", ""), Map.entry("shy", ""), Map.entry("bull", "•"),
      Map.entry("middot", "·"), Map.entry("laquo", "«"), Map.entry("raquo", "»"), Map.entry("trade", "™"));

  private HtmlText() {}

  static String toText(String html) {
    return toText(html, Integer.MAX_VALUE);
  }

  static String toText(String html, int maxChars) {
    StringBuilder out = new StringBuilder(Math.min(html.length(), Math.max(16, Math.min(maxChars, 1 << 16))));
    int n = html.length();
    int i = 0;
    while (i < n && out.length() < maxChars) {
      char c = html.charAt(i);
      if (c == '<') {
        if (html.startsWith("<!--", i)) {
          int end = html.indexOf("-->", i + 4);
          i = end < 0 ? n : end + 3;
          continue;
        }
        int j = i + 1;
        boolean closing = j < n && html.charAt(j) == '/';
        if (closing) {
          j++;
        }
        int nameStart = j;
        while (j < n && Character.isLetterOrDigit(html.charAt(j))) {
          j++;
        }
        if (j == nameStart && !closing) {
          // "<" not starting a tag ("a < b", "<!DOCTYPE", "<?xml"): skip declarations, keep the rest
          if (j < n && (html.charAt(j) == '!' || html.charAt(j) == '?')) {
            int end = html.indexOf('>', j);
            i = end < 0 ? n : end + 1;
          } else {
            out.append(c);
            i++;
          }
          continue;
        }
        String name = html.substring(nameStart, j).toLowerCase(Locale.ROOT);
        int after = tagEnd(html, j);
        if (!closing) {
          switch (name) {
            case "script", "style", "head", "title", "template" -> {
              after = skipPast(html, after, name);
              out.append(' ');
            }
            case "blockquote" -> {
              after = skipBlockquote(html, after);
              out.append('\n');
            }
            case "br", "p", "div", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr" ->
                out.append('\n');
            default -> {
              // inline element: nothing
            }
          }
        } else if (name.equals("p") || name.equals("div") || name.equals("li") || name.equals("tr")
            || name.equals("table") || (name.length() == 2 && name.charAt(0) == 'h'
                && name.charAt(1) >= '1' && name.charAt(1) <= '6')) {
          out.append('\n');
        }
        i = after;
        continue;
      }
      if (c == '&') {
        int semi = -1;
        for (int k = i + 1; k < n && k <= i + 12; k++) {
          char ch = html.charAt(k);
          if (ch == ';') {
            semi = k;
            break;
          }
          if (!Character.isLetterOrDigit(ch) && ch != '#') {
            break;
          }
        }
        if (semi > 0) {
          String ref = html.substring(i + 1, semi);
          String decoded = reference(ref);
          if (decoded != null) {
            out.append(decoded);
            i = semi + 1;
            continue;
          }
        }
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  /** Index after the '>' that ends a tag whose attributes start at {@code from}; quotes respected. */
  private static int tagEnd(String html, int from) {
    int n = html.length();
    char quote = 0;
    for (int i = from; i < n; i++) {
      char c = html.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        return i + 1;
      }
    }
    return n;
  }

  /** Index after {@code </name ...>} (case-insensitive) searching from {@code from}, or the end. */
  private static int skipPast(String html, int from, String name) {
    int n = html.length();
    int i = from;
    while (true) {
      int lt = html.indexOf("</", i);
      if (lt < 0) {
        return n;
      }
      if (html.regionMatches(true, lt + 2, name, 0, name.length())) {
        int gt = html.indexOf('>', lt);
        return gt < 0 ? n : gt + 1;
      }
      i = lt + 2;
    }
  }

  /** Index after the {@code </blockquote>} matching one just opened (nesting counted), or the end. */
  private static int skipBlockquote(String html, int from) {
    int n = html.length();
    int depth = 1;
    int i = from;
    while (depth > 0) {
      int lt = html.indexOf('<', i);
      if (lt < 0) {
        return n;
      }
      if (html.regionMatches(true, lt + 1, "blockquote", 0, 10)) {
        depth++;
      } else if (html.regionMatches(true, lt + 1, "/blockquote", 0, 11)) {
        depth--;
      }
      i = lt + 1;
    }
    int gt = html.indexOf('>', i);
    return gt < 0 ? n : gt + 1;
  }

  /** {@code amp}, {@code #39}, {@code #x1F600}; null when unknown or not a valid code point. */
  private static String reference(String ref) {
    if (ref.startsWith("#")) {
      try {
        int cp = ref.length() > 1 && (ref.charAt(1) == 'x' || ref.charAt(1) == 'X')
            ? Integer.parseInt(ref.substring(2), 16) : Integer.parseInt(ref.substring(1));
        if (cp <= 0 || cp > Character.MAX_CODE_POINT || (cp >= 0xd800 && cp <= 0xdfff)) {
          return "\uFFFD";
        }
        return new String(Character.toChars(cp));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return ENTITIES.get(ref);
  }
}

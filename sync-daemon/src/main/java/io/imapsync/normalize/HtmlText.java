package io.imapsync.normalize;

import java.util.regex.Pattern;

/** Plain text from HTML for the blurb when a message has no text part. Crude on purpose: preview only. */
final class HtmlText {
  private static final Pattern DROP = Pattern.compile("(?is)<(script|style|head)[^>]*>.*?</\\1\\s*>");
  private static final Pattern QUOTE = Pattern.compile("(?is)<blockquote[^>]*>.*?</blockquote\\s*>");
  private static final Pattern BREAK = Pattern.compile("(?i)<(br|/p|/div|/li|/tr)[^>]*>");
  private static final Pattern TAG = Pattern.compile("(?s)<[^>]*>");

  private HtmlText() {}

  static String toText(String html) {
    String s = DROP.matcher(html).replaceAll(" ");
    s = QUOTE.matcher(s).replaceAll(" ");
    s = BREAK.matcher(s).replaceAll("\n");
    s = TAG.matcher(s).replaceAll("");
    return s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
        .replace("&#39;", "'").replace("&amp;", "&");
  }
}

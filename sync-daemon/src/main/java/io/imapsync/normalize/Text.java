package io.imapsync.normalize;

/**
 * Cleaning of decoded strings before they reach the document. Decoding (RFC 2047, RFC 2231, raw
 * 8-bit headers) can yield any character, including NUL, CR and LF: the Mailsploit attacks hide the
 * real sender behind a display name that a client truncates at NUL or breaks at a newline. No
 * display string we emit carries a control character.
 */
final class Text {
  private Text() {}

  /** Whether {@code c} is removed from display strings: C0 and C1 controls and DEL (TAB included). */
  static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
  }

  /** Explicit bidi embeddings, overrides and isolates: they make "exe.pdf" out of "fdp.exe". */
  static boolean isBidiControl(char c) {
    return (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
  }

  /**
   * A one-line display string: controls become spaces, runs of white space collapse to one, the
   * ends are stripped, bidi controls are dropped when asked, and the result is cut at
   * {@code maxChars} (not inside a surrogate pair). Returns null for null or a blank result.
   *
   * @param found set to true in {@code found[0]} when a control other than TAB was replaced
   */
  static String line(String s, int maxChars, boolean dropBidi, boolean[] found) {
    if (s == null) {
      return null;
    }
    int n = s.length();
    StringBuilder sb = null; // only once something must change; most strings need nothing
    boolean space = true; // at start: leading white space is dropped
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == ' ' && !space) {
        if (sb != null) {
          sb.append(' ');
        }
        space = true;
        continue;
      }
      boolean control = c != ' ' && (c == '\t' || isControl(c));
      if (control && c != '\t' && found != null) {
        found[0] = true;
      }
      boolean bidi = dropBidi && isBidiControl(c);
      if (bidi && found != null) {
        found[0] = true;
      }
      if (c == ' ' || control || bidi) {
        // a second space, leading space, control or dropped bidi control: from here on, rebuild
        if (sb == null) {
          sb = new StringBuilder(n).append(s, 0, i);
        }
        if (!bidi && !space) {
          sb.append(' ');
          space = true;
        }
        continue;
      }
      if (sb != null) {
        sb.append(c);
      }
      space = false;
    }
    String out = sb == null ? s : sb.toString();
    if (!out.isEmpty() && out.charAt(out.length() - 1) == ' ') {
      out = out.substring(0, out.length() - 1);
    }
    if (out.isEmpty()) {
      return null;
    }
    return cut(out, maxChars);
  }

  /** Removes every white space and control character (for addresses, ids). */
  static String compact(String s, boolean[] found) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean drop = c == ' ' || c == '\t' || isControl(c) || isBidiControl(c);
      if (drop) {
        if (c != ' ' && c != '\t' && found != null) {
          found[0] = true;
        }
        if (sb == null) {
          sb = new StringBuilder(s.length()).append(s, 0, i);
        }
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? s : sb.toString();
  }

  /** The first {@code max} characters, never splitting a surrogate pair. */
  static String cut(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int end = max;
    if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end);
  }

  /** The characters with every unpaired surrogate replaced by U+FFFD (decoders of UTF-7 can make them). */
  static String wellFormed(CharSequence s) {
    StringBuilder sb = null;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      boolean bad = false;
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          if (sb != null) {
            sb.append(c).append(s.charAt(i + 1));
          }
          i++;
          continue;
        }
        bad = true;
      } else if (Character.isLowSurrogate(c)) {
        bad = true;
      }
      if (bad && sb == null) {
        sb = new StringBuilder(n).append(s, 0, i);
      }
      if (sb != null) {
        sb.append(bad ? '\uFFFD' : c);
      }
    }
    return sb == null ? s.toString() : sb.toString();
  }

  /** Body text: NUL removed (JSON allows it, many stores and C clients do not); the rest kept. */
  static String withoutNul(String s) {
    return s.indexOf('\0') < 0 ? s : s.replace("\0", "");
  }
}

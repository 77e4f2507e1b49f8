package io.imapsync.normalize;

import java.io.ByteArrayOutputStream;

/**
 * RFC 2047 encoded-words ({@code =?charset?B|Q?text?=}) in unstructured header text and display
 * names. Our own rather than mime4j's {@code DecoderUtil} so that every charset goes through
 * {@link Charsets} (mime4j leaves words in an unknown charset undecoded).
 *
 * <ul>
 *   <li>White space between two adjacent encoded-words is dropped (RFC 2047 §6.2); elsewhere kept.
 *   <li>Adjacent words in the same charset are decoded together, so a character split across two
 *       words (a common encoder bug with UTF-8) comes out whole.
 *   <li>Lenient like common clients: an encoded-word need not be surrounded by white space, and
 *       the language suffix ({@code utf-8*en}, RFC 2231 §5) is ignored. A word that does not parse
 *       stays as it was.
 * </ul>
 * Linear: each {@code =?} looks ahead at most {@link #MAX_WORD} characters for its end.
 */
final class EncodedWords {
  /** RFC 2047 caps a word at 75 characters; real encoders exceed that, but not by this much. */
  static final int MAX_WORD = 1_000;

  private EncodedWords() {}

  /** Decodes; {@code where} names the header for warnings about unknown charsets. */
  static String decode(String s, Warnings warnings, String where) {
    if (s == null || s.indexOf("=?") < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    ByteArrayOutputStream pending = new ByteArrayOutputStream();
    String pendingCharset = null;
    int whitespaceStart = -1; // start of white space after an encoded word, not yet emitted
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == '=' && i + 1 < n && s.charAt(i + 1) == '?') {
        Word w = parse(s, i);
        if (w != null) {
          // White space since the previous word (if any) is dropped: adjacent words join.
          if (pendingCharset != null && !w.charset.equalsIgnoreCase(pendingCharset)) {
            flush(out, pending, pendingCharset, warnings, where);
            pendingCharset = null;
          }
          whitespaceStart = -1;
          if (pendingCharset == null) {
            pendingCharset = w.charset;
          }
          w.decodeInto(s, pending);
          i = w.end;
          continue;
        }
      }
      if (pendingCharset != null) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
          if (whitespaceStart < 0) {
            whitespaceStart = i;
          }
          i++;
          continue;
        }
        flush(out, pending, pendingCharset, warnings, where);
        pendingCharset = null;
        if (whitespaceStart >= 0) {
          out.append(s, whitespaceStart, i);
          whitespaceStart = -1;
        }
      }
      out.append(c);
      i++;
    }
    if (pendingCharset != null) {
      flush(out, pending, pendingCharset, warnings, where);
      if (whitespaceStart >= 0) {
        out.append(s, whitespaceStart, n);
      }
    }
    return out.toString();
  }

  private static void flush(StringBuilder out, ByteArrayOutputStream pending, String charset, Warnings warnings,
      String where) {
    byte[] bytes = pending.toByteArray();
    pending.reset();
    out.append(Charsets.decode(bytes, 0, bytes.length, charset, warnings, where));
  }

  /** One parsed encoded-word: charset, B or Q, the text's bounds in the source and the word's end. */
  private record Word(String charset, boolean base64, int textStart, int textEnd, int end) {
    void decodeInto(String s, ByteArrayOutputStream out) {
      if (base64) {
        EncodedWords.base64(s, textStart, textEnd, out);
      } else {
        EncodedWords.q(s, textStart, textEnd, out);
      }
    }
  }

  /** Parses {@code =?charset?e?text?=} at {@code start}; null when it is not one. */
  private static Word parse(String s, int start) {
    int n = Math.min(s.length(), start + MAX_WORD);
    int q1 = indexOf(s, '?', start + 2, n);
    if (q1 < 0 || q1 == start + 2) {
      return null;
    }
    for (int k = start + 2; k < q1; k++) {
      char ch = s.charAt(k);
      if (ch <= ' ' || ch >= 0x7f || ch == '=') {
        return null;
      }
    }
    if (q1 + 2 >= n || s.charAt(q1 + 2) != '?') {
      return null;
    }
    char enc = s.charAt(q1 + 1);
    boolean base64;
    if (enc == 'B' || enc == 'b') {
      base64 = true;
    } else if (enc == 'Q' || enc == 'q') {
      base64 = false;
    } else {
      return null;
    }
    int textStart = q1 + 3;
    int close = textStart;
    while (true) {
      close = indexOf(s, '?', close, n - 1);
      if (close < 0) {
        return null;
      }
      if (s.charAt(close + 1) == '=') {
        break;
      }
      close++;
    }
    for (int k = textStart; k < close; k++) {
      char ch = s.charAt(k);
      if (ch == '\r' || ch == '\n') {
        return null;
      }
    }
    String charset = s.substring(start + 2, q1);
    int star = charset.indexOf('*');
    if (star >= 0) {
      charset = charset.substring(0, star);
    }
    return new Word(charset, base64, textStart, close, close + 2);
  }

  private static void q(String s, int from, int to, ByteArrayOutputStream out) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '_') {
        out.write(' ');
      } else if (c == '=' && i + 2 < to && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        out.write(hex(s.charAt(i + 1)) << 4 | hex(s.charAt(i + 2)));
        i += 2;
      } else if (c < 0x80) {
        out.write(c);
      } else {
        i = writeUtf8(s, i, out); // raw non-ASCII inside a word (invalid): keep it, as UTF-8
      }
    }
  }

  private static void base64(String s, int from, int to, ByteArrayOutputStream out) {
    int bits = 0;
    int nbits = 0;
    for (int i = from; i < to; i++) {
      int v = b64(s.charAt(i));
      if (v < 0) {
        if (s.charAt(i) == '=') {
          break; // padding ends the data
        }
        continue; // lenient: skip stray characters
      }
      bits = (bits << 6) | v;
      nbits += 6;
      if (nbits >= 8) {
        nbits -= 8;
        out.write((bits >>> nbits) & 0xff);
      }
    }
  }

  /** Writes the code point at {@code i} as UTF-8; returns the index of its last char. */
  static int writeUtf8(String s, int i, ByteArrayOutputStream out) {
    int cp = s.codePointAt(i);
    byte[] b = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.write(b, 0, b.length);
    return i + Character.charCount(cp) - 1;
  }

  /** {@code s.indexOf(c, from)} that looks no further than {@code limit} (exclusive). */
  private static int indexOf(String s, char c, int from, int limit) {
    for (int i = from; i < limit; i++) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }

  private static int b64(char c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '+') {
      return 62;
    }
    if (c == '/') {
      return 63;
    }
    return -1;
  }
}

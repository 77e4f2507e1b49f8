package io.imapsync.conversation;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;

/**
 * The base subject of RFC 5256 section 2.1, extended with the reply and forward prefixes of other
 * languages that real mail carries (German {@code AW:}/{@code WG:}, Scandinavian {@code SV:},
 * Dutch {@code Antw:}, French {@code Réf:}/{@code TR:} and more): users expect "AW: Termin" and
 * "Termin" in one conversation, which RFC 5256 alone would not give.
 *
 * <p>Steps, as in the RFC: decode encoded-words left in the text, fold white space; then repeat:
 * drop trailing {@code (fwd)} and blanks; drop leading {@code Re:}, {@code Fwd:}, {@code Re[2]:}
 * (with any {@code [blob]}s before them); drop a leading {@code [list]} tag when text remains;
 * unwrap {@code [Fwd: ...]}. The result is compared case-insensitively ({@link #key}).
 */
public final class BaseSubject {
  /**
   * Reply and forward prefixes, lower case, after NFKC (so full-width forms are included).
   * Single letters (Italian {@code R:}, {@code I:}) are left out: too many real subjects start
   * with a letter and a colon.
   */
  static final Set<String> PREFIXES = Set.of(
      // RFC 5256
      "re", "fw", "fwd",
      // German, Dutch, Scandinavian, Finnish, Icelandic, Estonian
      "aw", "wg", "antw", "doorst", "sv", "vs", "vl", "fs",
      // French, Italian, Spanish, Portuguese
      "réf", "ref", "tr", "rif", "rv", "enc", "res",
      // Polish, Czech, Croatian, Turkish, Hungarian, Latvian, Lithuanian
      "odp", "pd", "př", "odg", "ynt", "ilt", "i̇lt", "vá", "továbbítás", "atb", "pārs", "ats",
      // Greek, Russian, Ukrainian, Hebrew, Arabic
      "απ", "σχετ", "πρθ", "отв", "ответ", "пересл", "відп", "תשובה", "הועבר", "رد",
      // Chinese, Japanese
      "回复", "回覆", "答复", "答覆", "转发", "轉寄", "轉發", "返信", "転送");

  private BaseSubject() {}

  /**
   * The base subject, lower-cased and NFKC-normalized: equal keys mean "the same subject".
   * Empty when nothing is left (e.g. a bare {@code Re:}), never null.
   */
  public static String key(String subject) {
    return of(subject).toLowerCase(Locale.ROOT);
  }

  /** The base subject in its original case (NFKC-normalized); empty when nothing is left. */
  public static String of(String subject) {
    if (subject == null || subject.isEmpty()) {
      return "";
    }
    String s = subject;
    if (s.contains("=?")) {
      // Normalization decodes RFC 2047 already; this catches encoded-words it left in place.
      s = DecoderUtil.decodeEncodedWords(s, DecodeMonitor.SILENT);
    }
    s = foldWhitespace(Normalizer.normalize(s, Normalizer.Form.NFKC));
    boolean changed;
    do {
      s = removeTrailers(s);
      boolean found;
      do {
        String before = s;
        s = removeLeader(s);
        s = removeBlobWhenNonEmpty(s);
        found = !s.equals(before);
      } while (found);
      String unwrapped = removeFwdWrapper(s);
      changed = !unwrapped.equals(s);
      s = unwrapped;
    } while (changed);
    return s.strip();
  }

  // Step 1: tabs, line breaks and runs of blanks become one space.
  static String foldWhitespace(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean lastSpace = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean space = c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\u00a0';
      if (space) {
        if (!lastSpace) {
          sb.append(' ');
        }
        lastSpace = true;
      } else {
        sb.append(c);
        lastSpace = false;
      }
    }
    return sb.toString();
  }

  // Step 2: subj-trailer = "(fwd)" / WSP, repeatedly.
  private static String removeTrailers(String s) {
    int end = s.length();
    while (end > 0) {
      if (s.charAt(end - 1) == ' ') {
        end--;
      } else if (end >= 5 && s.regionMatches(true, end - 5, "(fwd)", 0, 5)) {
        end -= 5;
      } else {
        break;
      }
    }
    return s.substring(0, end);
  }

  // Step 3: subj-leader = (*subj-blob subj-refwd) / WSP, where
  // subj-refwd = prefix *WSP [subj-blob / "(" digits ")" / "^" digits / digits] *WSP ":"
  private static String removeLeader(String s) {
    int p = 0;
    if (p < s.length() && s.charAt(p) == ' ') {
      return s.substring(1);
    }
    while (p < s.length() && s.charAt(p) == '[') {
      int after = blobEnd(s, p);
      if (after < 0) {
        return s;
      }
      p = after;
    }
    int wordEnd = p;
    while (wordEnd < s.length() && isWordChar(s.codePointAt(wordEnd))) {
      wordEnd += Character.charCount(s.codePointAt(wordEnd));
    }
    if (wordEnd == p || !PREFIXES.contains(s.substring(p, wordEnd).toLowerCase(Locale.ROOT))) {
      return s;
    }
    int q = skipSpaces(s, wordEnd);
    if (q < s.length() && s.charAt(q) == '[') {
      q = blobEnd(s, q);
      if (q < 0) {
        return s;
      }
    } else if (q < s.length() && s.charAt(q) == '(') {
      int close = s.indexOf(')', q);
      if (close < 0 || !digits(s, q + 1, close)) {
        return s;
      }
      q = close + 1;
    } else if (q < s.length() && s.charAt(q) == '^') {
      int d = q + 1;
      while (d < s.length() && Character.isDigit(s.charAt(d))) {
        d++;
      }
      if (d == q + 1) {
        return s;
      }
      q = d;
    } else {
      while (q < s.length() && Character.isDigit(s.charAt(q))) {
        q++;
      }
    }
    q = skipSpaces(s, q);
    if (q >= s.length() || s.charAt(q) != ':') {
      return s;
    }
    return s.substring(q + 1);
  }

  // Step 4: a leading subj-blob goes when something is left after it.
  private static String removeBlobWhenNonEmpty(String s) {
    if (s.isEmpty() || s.charAt(0) != '[') {
      return s;
    }
    int after = blobEnd(s, 0);
    if (after < 0 || s.substring(after).isBlank()) {
      return s;
    }
    return s.substring(after);
  }

  // Step 6: subj-fwd = "[fwd:" subject "]".
  private static String removeFwdWrapper(String s) {
    if (s.length() >= 6 && s.regionMatches(true, 0, "[fwd:", 0, 5) && s.endsWith("]")) {
      return s.substring(5, s.length() - 1);
    }
    return s;
  }

  /** subj-blob = "[" *BLOBCHAR "]" *WSP; returns the index after it, or -1. */
  private static int blobEnd(String s, int open) {
    int i = open + 1;
    while (i < s.length() && s.charAt(i) != '[' && s.charAt(i) != ']') {
      i++;
    }
    if (i >= s.length() || s.charAt(i) != ']') {
      return -1;
    }
    return skipSpaces(s, i + 1);
  }

  /** Letters and combining marks (Turkish "İLT" lower-cases to i + U+0307). */
  private static boolean isWordChar(int cp) {
    return Character.isLetter(cp) || Character.getType(cp) == Character.NON_SPACING_MARK;
  }

  private static int skipSpaces(String s, int i) {
    while (i < s.length() && s.charAt(i) == ' ') {
      i++;
    }
    return i;
  }

  private static boolean digits(String s, int from, int to) {
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}

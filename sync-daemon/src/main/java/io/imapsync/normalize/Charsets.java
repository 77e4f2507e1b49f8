package io.imapsync.normalize;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Charset labels as mail uses them, to decoders. Every charset the JVM knows is accepted under all
 * its Java names and aliases; on top, the labels mail clients send that Java lacks or maps to a
 * narrower charset than senders mean (as the WHATWG Encoding Standard does for browsers: Latin-1
 * and ASCII labels decode as windows-1252, GB2312 as GB18030, EUC-KR as windows-949, Shift_JIS as
 * windows-31j, Big5 as Big5-HKSCS), UTF-7 (decoded by {@link Utf7}), and spelling variants
 * ({@code cp-1252}, {@code win-1250}, {@code x-cp1251}, {@code iso8859_2}).
 *
 * <p>No label, an ASCII label on 8-bit data, or a label that says "unknown" ({@code unknown-8bit},
 * {@code x-unknown}, {@code x-user-defined}): UTF-8 when the octets are valid UTF-8, else
 * windows-1252, without a warning (that is ordinary mail). Any other label Java does not know: the
 * same guess, with a parse warning. Decoding never fails; malformed input becomes U+FFFD.
 */
final class Charsets {
  static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

  private static final Map<String, String> ALIASES = new HashMap<>();
  private static final String UTF7 = "UTF-7";
  private static final String GUESS = "(guess)";
  private static final Pattern WINDOWS = Pattern.compile("(?:cp|win|windows|x-cp|ms|x-windows)[-_]?(125[0-8])");
  private static final Pattern ISO_8859 = Pattern.compile("iso[-_ ]?8859[-_ ]?(\\d{1,2})(?:[-_:].*)?");
  private static final int MAX_LABEL = 64;
  private static final int MAX_CACHED = 1024;
  /** Resolved labels (Java name, {@link #UTF7}, {@link #GUESS}, or "" for unknown); bounded. */
  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

  static {
    // ASCII labels on 8-bit octets: UTF-8 when valid, else windows-1252 (see decode)
    alias(GUESS, "us-ascii", "ascii", "ansi_x3.4-1968", "iso-ir-6", "us", "cp367", "ibm367", "csascii",
        "iso646-us", "646", "x-unknown", "unknown-8bit", "unknown", "8bit", "x-user-defined", "default");
    alias("windows-1252", "iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin1", "l1", "cp819",
        "ibm819", "iso-ir-100", "csisolatin1", "iso88591", "8859-1", "x-ansi", "ansi");
    alias("windows-1254", "iso-8859-9", "iso8859-9", "iso_8859-9", "latin5", "l5", "iso-ir-148", "csisolatin5");
    alias("x-windows-874", "tis-620", "tis620", "iso-8859-11", "iso8859-11", "windows-874", "dos-874", "cp874");
    alias("x-windows-949", "euc-kr", "cseuckr", "ks_c_5601-1987", "ks_c_5601-1989", "ks_c_5601", "ksc5601",
        "ksc_5601", "korean", "windows-949", "cp949", "iso-ir-149", "csksc56011987");
    alias("GB18030", "gb2312", "gb_2312", "gb_2312-80", "csgb2312", "chinese", "gbk", "x-gbk", "cp936", "ms936",
        "windows-936", "euc-cn", "x-euc-cn", "iso-ir-58", "csiso58gb231280", "gb18030");
    alias("Big5-HKSCS", "big5", "big-5", "big-five", "bigfive", "cn-big5", "x-x-big5", "csbig5", "big5-hkscs", "cp950");
    alias("windows-31j", "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "ms932", "cp932",
        "windows-31j", "x-ms-cp932", "windows-932");
    alias("ISO-8859-8", "iso-8859-8-i", "iso-8859-8-e", "csiso88598i", "csiso88598e", "logical", "visual");
    alias("ISO-8859-6", "iso-8859-6-i", "iso-8859-6-e", "csiso88596i", "csiso88596e");
    alias("x-MacRoman", "x-mac-roman", "macintosh", "mac", "csmacintosh", "x-mac", "macroman");
    alias("x-MacCyrillic", "x-mac-cyrillic", "x-mac-ukrainian", "maccyrillic");
    alias("UTF-8", "utf8", "unicode-1-1-utf-8", "unicode-2-0-utf-8", "x-unicode20utf8", "x-unicode-2-0-utf-8",
        "utf-8", "x-utf-8");
    alias(UTF7, "utf-7", "utf7", "unicode-1-1-utf-7", "csunicode11utf7", "x-unicode-2-0-utf-7", "x-utf-7");
    alias("UTF-16", "ucs-2", "iso-10646-ucs-2", "csunicode", "unicode", "utf-16");
    alias("KOI8-U", "koi8-ru", "koi8-u");
  }

  private Charsets() {}

  private static void alias(String target, String... labels) {
    for (String l : labels) {
      ALIASES.put(l, target);
    }
  }

  /**
   * The Java charset a label stands for, or null when it names UTF-7, nothing at all or something
   * unknown ({@link #decode} copes with all three).
   */
  static Charset lookup(String label) {
    String r = resolve(label);
    return r.isEmpty() || r.equals(UTF7) || r.equals(GUESS) ? null : Charset.forName(r);
  }

  /** Whether the label is known (Java, an alias, UTF-7) or absent; false for an unknown label. */
  static boolean isKnown(String label) {
    return !resolve(label).isEmpty();
  }

  /**
   * Decodes octets labelled with {@code label} (null or blank: unlabelled). Never fails: malformed
   * input becomes U+FFFD; an unknown label is guessed (UTF-8 if valid, else windows-1252) and
   * reported as "unknown charset 'x' in {where}".
   */
  static String decode(byte[] b, int off, int len, String label, Warnings warnings, String where) {
    String r = resolve(label);
    if (r.equals(UTF7)) {
      return Utf7.decode(b, off, len);
    }
    if (r.equals(GUESS) || r.isEmpty()) {
      if (isAscii(b, off, len)) {
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
      }
      String utf8 = strictUtf8(b, off, len);
      if (r.isEmpty() && warnings != null) {
        warnings.add(WarningKind.CHARSET, "unknown charset '" + Text.cut(Text.compact(label, null), 40) + "' in " + where
            + "; decoded as " + (utf8 != null ? "UTF-8" : "windows-1252"));
      }
      return utf8 != null ? utf8 : new String(b, off, len, WINDOWS_1252);
    }
    Charset cs = Charset.forName(r);
    if (cs == StandardCharsets.UTF_8) {
      String s = new String(b, off, len, StandardCharsets.UTF_8);
      if (s.indexOf('\uFFFD') >= 0 && warnings != null && strictUtf8(b, off, len) == null) {
        warnings.add(WarningKind.CHARSET, "malformed UTF-8 in " + where + "; invalid octets replaced");
      }
      return s;
    }
    return new String(b, off, len, cs);
  }

  /** Octets of a header (RFC 6532 allows UTF-8): UTF-8 when valid, else windows-1252. */
  static String headerOctets(byte[] b, int off, int len, boolean[] notUtf8) {
    if (isAscii(b, off, len)) {
      return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }
    String s = strictUtf8(b, off, len);
    if (s != null) {
      return s;
    }
    notUtf8[0] = true;
    return new String(b, off, len, WINDOWS_1252);
  }

  static boolean isAscii(byte[] b, int off, int len) {
    for (int i = off, end = off + len; i < end; i++) {
      if (b[i] < 0) {
        return false;
      }
    }
    return true;
  }

  /** The octets as UTF-8, or null when they are not valid UTF-8. */
  static String strictUtf8(byte[] b, int off, int len) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, off, len)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Java name, UTF7, GUESS (absent, or plain ASCII), or "" (unknown). */
  private static String resolve(String label) {
    if (label == null) {
      return GUESS;
    }
    String cached = CACHE.get(label);
    if (cached != null) {
      return cached;
    }
    String r = resolveUncached(label);
    if (CACHE.size() < MAX_CACHED) {
      CACHE.put(label, r);
    }
    return r;
  }

  private static String resolveUncached(String label) {
    String n = label.strip();
    // charset="utf-8"; charset=utf-8 (comment); charset='utf-8'
    if (n.length() >= 2 && (n.charAt(0) == '"' || n.charAt(0) == '\'')) {
      int close = n.indexOf(n.charAt(0), 1);
      n = close > 0 ? n.substring(1, close) : n.substring(1);
    }
    int cut = 0;
    while (cut < n.length() && " \t;,()\"".indexOf(n.charAt(cut)) < 0) {
      cut++;
    }
    n = n.substring(0, cut).toLowerCase(Locale.ROOT);
    if (n.isEmpty()) {
      return GUESS;
    }
    if (n.length() > MAX_LABEL) {
      return "";
    }
    String alias = ALIASES.get(n);
    if (alias != null) {
      return alias;
    }
    Matcher w = WINDOWS.matcher(n);
    if (w.matches()) {
      return "windows-" + w.group(1);
    }
    Matcher iso = ISO_8859.matcher(n);
    if (iso.matches()) {
      String target = "iso-8859-" + Integer.parseInt(iso.group(1));
      String a = ALIASES.get(target);
      if (a != null) {
        return a;
      }
      n = target;
    }
    for (String candidate : new String[] {n, n.startsWith("x-") ? n.substring(2) : null, n.replace('_', '-')}) {
      if (candidate == null) {
        continue;
      }
      try {
        if (Charset.isSupported(candidate)) {
          return Charset.forName(candidate).name();
        }
      } catch (IllegalArgumentException illegalName) {
        // not a legal charset name: try the next spelling
      }
    }
    return "";
  }
}

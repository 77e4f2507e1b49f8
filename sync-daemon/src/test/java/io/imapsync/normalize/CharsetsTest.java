package io.imapsync.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CharsetsTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "utf-8, UTF-8", "UTF8, UTF-8", "\"utf-8\", UTF-8", "utf-8 (comment), UTF-8", "x-unicode20utf8, UTF-8",
      "iso-8859-1, windows-1252", "latin1, windows-1252", "ISO8859_1, windows-1252", "iso-8859-15, ISO-8859-15",
      "iso8859-2, ISO-8859-2", "iso-8859-9, windows-1254", "cp-1252, windows-1252", "win-1250, windows-1250",
      "x-cp1251, windows-1251", "windows-1257, windows-1257", "ks_c_5601-1987, x-windows-949",
      "euc-kr, x-windows-949", "gb2312, GB18030", "gbk, GB18030", "big5, Big5-HKSCS", "shift_jis, windows-31j",
      "x-sjis, windows-31j", "cp932, windows-31j", "euc-jp, EUC-JP", "iso-2022-jp, ISO-2022-JP",
      "iso-8859-8-i, ISO-8859-8", "tis-620, x-windows-874", "koi8-r, KOI8-R", "macintosh, x-MacRoman",
      "ibm850, IBM850", "cp437, IBM437", "ucs-2, UTF-16", "x-iso-8859-15, ISO-8859-15", "EBCDIC-CP-US, IBM037"})
  void labelsResolveToJavaCharsets(String label, String expected) {
    assertEquals(Charset.forName(expected), Charsets.lookup(label));
  }

  @Test
  void everyCharsetJavaKnowsIsAcceptedByEveryOneOfItsNames() {
    for (Charset cs : Charset.availableCharsets().values()) {
      if (!cs.canEncode()) {
        continue; // decode-only odds (ISO-2022-CN, ...) are still looked up below
      }
      for (String name : cs.aliases()) {
        assertTrue(Charsets.isKnown(name), name);
      }
      assertTrue(Charsets.isKnown(cs.name()), cs.name());
    }
  }

  @Test
  void utf7() {
    assertEquals("Hi Mom -☺-!", Charsets.decode(bytes("Hi Mom -+Jjo--!"), 0, 15, "utf-7", null, "t"));
    assertEquals("日本語", Charsets.decode(bytes("+ZeVnLIqe-"), 0, 10, "unicode-1-1-utf-7", null, "t"));
    assertEquals("1 + 1", Charsets.decode(bytes("1 +- 1"), 0, 6, "UTF-7", null, "t"));
  }

  @Test
  void unlabelledAndAsciiLabelledOctetsAreGuessedWithoutWarning() {
    Warnings w = new Warnings();
    byte[] utf8 = "naïve".getBytes(StandardCharsets.UTF_8);
    byte[] latin1 = "naïve".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals("naïve", Charsets.decode(utf8, 0, utf8.length, null, w, "t"));
    assertEquals("naïve", Charsets.decode(utf8, 0, utf8.length, "us-ascii", w, "t"));
    assertEquals("naïve", Charsets.decode(latin1, 0, latin1.length, "us-ascii", w, "t"));
    assertEquals("naïve", Charsets.decode(latin1, 0, latin1.length, "unknown-8bit", w, "t"));
    assertTrue(w.isEmpty());
  }

  @Test
  void windows1252QuotesUnderALatin1Label() {
    byte[] b = {(byte) 0x93, 'q', (byte) 0x94, ' ', (byte) 0x80};
    assertEquals("\u201cq\u201d €", Charsets.decode(b, 0, b.length, "iso-8859-1", null, "t"));
  }

  @Test
  void unknownLabelsAreGuessedWithAWarning() {
    Warnings w = new Warnings();
    byte[] utf8 = "ünï".getBytes(StandardCharsets.UTF_8);
    assertEquals("ünï", Charsets.decode(utf8, 0, utf8.length, "x-klingon", w, "Subject"));
    byte[] latin1 = "ünï".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals("ünï", Charsets.decode(latin1, 0, latin1.length, "x-vulcan", w, "text/plain part"));
    assertEquals(List.of("unknown charset 'x-klingon' in Subject; decoded as UTF-8",
        "unknown charset 'x-vulcan' in text/plain part; decoded as windows-1252"), w.toList());
  }

  @Test
  void malformedUtf8IsReplacedWithAWarning() {
    Warnings w = new Warnings();
    byte[] b = {'a', (byte) 0xff, 'b'};
    assertEquals("a\uFFFDb", Charsets.decode(b, 0, b.length, "utf-8", w, "text/plain part"));
    assertEquals(List.of("malformed UTF-8 in text/plain part; invalid octets replaced"), w.toList());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}

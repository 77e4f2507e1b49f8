package io.imapsync.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 2047 §8 examples and the leniencies real mail needs. */
class EncodedWordsTest {

  @ParameterizedTest(name = "[{0}]")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
      // RFC 2047 §8
      "(=?ISO-8859-1?Q?a?=)|(a)",
      "(=?ISO-8859-1?Q?a?= b)|(a b)",
      "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)|(ab)",
      "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)|(ab)",
      "'(=?ISO-8859-1?Q?a?=\t =?ISO-8859-1?Q?b?=)'|(ab)",
      "(=?ISO-8859-1?Q?a_b?=)|(a b)",
      "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)|(a b)",
      // lenient: glued words, lower-case encodings, language suffix, raw text around
      "=?utf-8?q?a?==?utf-8?q?b?=|ab",
      "Re: =?utf-8?b?w6k=?=!|Re: é!",
      "=?UTF-8*en?Q?hello?=|hello",
      // not encoded-words: left alone
      "a=?b|a=?b",
      "=?utf-8?x?abc?=|=?utf-8?x?abc?=",
      "=??q?abc?=|=??q?abc?=",
      "=?utf-8?q?unterminated|=?utf-8?q?unterminated",
      "2 =?= 3|2 =?= 3",
      // broken Q escapes and base64 without padding
      "=?utf-8?q?100=?=|100=",
      "=?utf-8?b?w6k?=|é"})
  void decodes(String input, String expected) {
    assertEquals(expected, EncodedWords.decode(input, new Warnings(), "Subject"));
  }

  @Test
  void unknownCharsetIsGuessedAndReported() {
    Warnings w = new Warnings();
    assertEquals("café", EncodedWords.decode("=?x-foo?q?caf=E9?=", w, "Subject"));
    assertEquals(List.of("unknown charset 'x-foo' in Subject; decoded as windows-1252"), w.toList());
  }
}

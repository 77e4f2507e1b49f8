package io.imapsync.imap.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ModifiedUtf7} (RFC 3501 section 5.1.3). */
class ModifiedUtf7Test {

  private static final long SEED = Long.getLong("imap.test.seed", System.nanoTime());

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // RFC 3501's example
      "~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e|~peter/mail/&U,BTFw-/&ZeVnLIqe-",
      "INBOX|INBOX",
      "&|&-",
      "Tom & Jerry|Tom &- Jerry",
      "Entw\u00fcrfe|Entw&APw-rfe",
      "Hi Mom -\u263a-!|Hi Mom -&Jjo--!",
      "\u65e5\u672c\u8a9e|&ZeVnLIqe-",
      "mail\uD83D\uDCE7box|mail&2D3c5w-box",
      "a\tb|a&AAk-b"})
  void encodesAndDecodes(String name, String wire) {
    assertEquals(wire, ModifiedUtf7.encode(name));
    assertEquals(name, ModifiedUtf7.decode(wire));
  }

  @Test
  void randomNamesRoundTrip() {
    System.out.println("ModifiedUtf7Test.randomNamesRoundTrip seed=" + SEED + " (replay with -Dimap.test.seed=" + SEED + ")");
    SplittableRandom r = new SplittableRandom(SEED);
    for (int i = 0; i < 5_000; i++) {
      StringBuilder sb = new StringBuilder();
      int len = r.nextInt(12);
      for (int j = 0; j < len; j++) {
        switch (r.nextInt(5)) {
          case 0 -> sb.append('&');
          case 1 -> sb.append((char) (0x20 + r.nextInt(0x5f)));
          case 2 -> sb.append((char) r.nextInt(0x20));
          case 3 -> sb.appendCodePoint(0x10000 + r.nextInt(0x10000)); // surrogate pair
          default -> {
            char c = (char) (0x80 + r.nextInt(0xD800 - 0x80)); // BMP below the surrogates
            sb.append(c);
          }
        }
      }
      String name = sb.toString();
      String wire = ModifiedUtf7.encode(name);
      assertTrue(wire.chars().allMatch(c -> c >= 0x20 && c <= 0x7e), () -> "seed " + SEED + ": not printable: " + wire);
      assertEquals(name, ModifiedUtf7.decode(wire), "seed " + SEED);
    }
  }

  /** Decoding is lenient by design: a broken shift sequence is kept as sent, never an exception. */
  @ParameterizedTest
  @ValueSource(strings = {"&Jjo", "a&", "&!!-", "&Jj*-x", "&====-"})
  void malformedShiftSequencesAreKeptLiterally(String wire) {
    assertEquals(wire, ModifiedUtf7.decode(wire));
  }
}

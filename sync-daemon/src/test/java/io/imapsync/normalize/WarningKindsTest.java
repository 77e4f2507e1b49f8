package io.imapsync.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The normalizer tells its listener each distinct warning, by kind (what metrics count). */
class WarningKindsTest {
  @Test
  void eachWarningReachesTheListenerWithItsKind() {
    List<WarningKind> heard = new ArrayList<>();
    MessageNormalizer n = new MessageNormalizer(NormalizerOptions.forAccount(Set.of()).withWarnings(heard::add));
    // an unterminated angle address, an unknown charset with 8-bit content, no Date header
    byte[] raw = ("From: Bob <bob@example.test\r\nSubject: =?x-klingon?q?caf=E9?=\r\n\r\nbody\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    var doc = n.normalize(new RawMessage("acct", "INBOX", 1, 1, List.of(), -1, raw.length, raw, null, 0));
    assertEquals(doc.parseWarnings().size(), heard.size(), "one notice per recorded warning: " + doc.parseWarnings());
    assertEquals(List.of(WarningKind.ADDRESS, WarningKind.DATE, WarningKind.CHARSET).stream().sorted().toList(),
        heard.stream().sorted().toList(), doc.parseWarnings().toString());
  }
}

package io.imapsync.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.model.Attachment;
import io.imapsync.model.EmailAddress;
import io.imapsync.model.MessageDocument;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Mail built to hurt parsers (Dovecot CVE-2020-12100 and CVE-2020-25275, Mutt CVE-2021-3181,
 * Mailsploit). Each must be stored, with the right warnings and a bounded document, in bounded
 * time. The timeout is only a safety net (generous for a loaded CI machine); the checks that
 * matter are the bounded output and the warnings. Messages are generated here, never committed.
 */
class HostileMimeTest {
  /** Safety net only: each of these takes well under 0.5 s here. */
  private static final Duration SAFETY_NET = Duration.ofSeconds(5);
  /** A bounded document: every hostile message here stays far below this. */
  private static final int MAX_JSON = 64 * 1024;

  private static byte[] generate(Consumer<Out> writer) {
    Out out = new Out();
    writer.accept(out);
    return out.toByteArray();
  }

  /** Streams generated mail into one buffer without building a giant String first. */
  private static final class Out extends ByteArrayOutputStream {
    Out line(String s) {
      writeBytes(s.getBytes(StandardCharsets.UTF_8));
      writeBytes(new byte[] {'\r', '\n'});
      return this;
    }

    Out raw(String s) {
      writeBytes(s.getBytes(StandardCharsets.UTF_8));
      return this;
    }
  }

  private static MessageDocument normalizeWithin(byte[] message) {
    return assertTimeoutPreemptively(SAFETY_NET, () -> Normalized.normalize(message));
  }

  @Test
  void mimeNestedTenThousandLevelsDeep() {
    int depth = 10_000;
    byte[] message = generate(out -> {
      out.line("From: a@x.test").line("Subject: deep").line("Date: Tue, 3 Jun 2025 10:00:00 +0000");
      for (int i = 0; i < depth; i++) {
        out.line("Content-Type: multipart/mixed; boundary=\"b" + i + "\"").line("").line("--b" + i);
      }
      out.line("Content-Type: text/plain").line("").line("the bottom");
      for (int i = depth - 1; i >= 0; i--) {
        out.line("--b" + i + "--");
      }
    });
    MessageDocument d = normalizeWithin(message);
    assertEquals("deep", d.subject());
    assertEquals(List.of("MIME nesting deeper than 32 levels; inner parts ignored"), d.parseWarnings());
    assertEquals(List.of(), d.attachments());
    assertTrue(Normalized.jsonLength(d) < MAX_JSON);
  }

  @Test
  void oneHundredThousandParts() {
    byte[] message = generate(out -> {
      out.line("From: a@x.test").line("Subject: parts").line("Date: Tue, 3 Jun 2025 10:00:00 +0000")
          .line("Content-Type: multipart/mixed; boundary=\"p\"").line("");
      for (int i = 0; i < 100_000; i++) {
        out.line("--p").line("Content-Type: application/octet-stream; name=\"f" + i + ".bin\"").line("").line("x");
      }
      out.line("--p--");
    });
    MessageDocument d = normalizeWithin(message);
    assertEquals(List.of("more than 100 attachments; the rest not listed",
        "more than 1000 MIME parts; the rest ignored"), d.parseWarnings());
    assertEquals(100, d.attachments().size());
    assertEquals(new Attachment("f0.bin", "application/octet-stream", 1, null, false), d.attachments().get(0));
    assertTrue(d.hasAttachments());
    assertTrue(Normalized.jsonLength(d) < MAX_JSON);
  }

  @Test
  void oneHundredThousandTextPartsStayWithinTheTextBudget() {
    byte[] message = generate(out -> {
      out.line("Date: Tue, 3 Jun 2025 10:00:00 +0000").line("Content-Type: multipart/mixed; boundary=\"p\"").line("");
      for (int i = 0; i < 100_000; i++) {
        out.line("--p").line("").line("text " + i);
      }
      out.line("--p--");
    });
    MessageDocument d = normalizeWithin(message);
    assertEquals(List.of("more than 1000 MIME parts; the rest ignored"), d.parseWarnings());
    assertTrue(d.bodyText().startsWith("text 0\n"));
    assertTrue(d.bodyText().length() < 20_000);
  }

  @Test
  void endlessRfc2231Continuations() {
    byte[] message = generate(out -> {
      out.line("From: a@x.test").line("Date: Tue, 3 Jun 2025 10:00:00 +0000")
          .line("Content-Type: multipart/mixed; boundary=\"b\"").line("").line("--b")
          .line("Content-Type: application/pdf").line("Content-Transfer-Encoding: base64")
          .raw("Content-Disposition: attachment");
      for (int i = 0; i < 100_000; i++) {
        out.raw(";\r\n filename*" + i + "*=abc%41");
      }
      out.line("").line("").line("JVBERi0xLjQK").line("--b--");
    });
    MessageDocument d = normalizeWithin(message);
    assertEquals(1, d.attachments().size());
    Attachment a = d.attachments().get(0);
    assertEquals("application/pdf", a.contentType());
    assertEquals(9, a.size());
    // 64 parameters of "abcA" each, then the name is cut at 320 characters
    assertEquals("abcA".repeat(64).substring(0, 256), a.filename().substring(0, 256));
    assertTrue(a.filename().length() <= NormalizerLimits.DEFAULT_MAX_NAME_CHARS);
    assertEquals(2, d.parseWarnings().size(), d.parseWarnings().toString());
    assertTrue(d.parseWarnings().get(0).matches("Content-Disposition header of \\d{7} octets cut to 65536"));
    assertEquals("more than 64 parameters in Content-Disposition; the rest ignored", d.parseWarnings().get(1));
    assertTrue(Normalized.jsonLength(d) < MAX_JSON);
  }

  @Test
  void oneMegabyteHeaderLines() {
    String mb = "x".repeat(1 << 20);
    byte[] message = generate(out -> out.line("From: a@x.test").line("Subject: " + mb).line("X-Junk: " + mb)
        .line("References: <" + mb + ">").line("Date: Tue, 3 Jun 2025 10:00:00 +0000").line("").line("body"));
    MessageDocument d = normalizeWithin(message);
    assertEquals(1000, d.subject().length());
    assertEquals(List.of(), d.references());
    assertEquals("body\r\n", d.bodyText());
    assertEquals(List.of("Subject header of 1048577 octets cut to 65536",
        "References header of 1048579 octets cut to 65536",
        "Subject longer than 1000 characters; cut"), d.parseWarnings());
    assertTrue(Normalized.jsonLength(d) < MAX_JSON);
  }

  @Test
  void oneHundredThousandHeaderFields() {
    byte[] message = generate(out -> {
      out.line("From: a@x.test").line("Date: Tue, 3 Jun 2025 10:00:00 +0000");
      for (int i = 0; i < 100_000; i++) {
        out.line("X-Field-" + i + ": value");
      }
      out.line("Subject: late").line("").line("body");
    });
    MessageDocument d = normalizeWithin(message);
    assertEquals(List.of(new EmailAddress(null, "a@x.test")), d.from());
    assertEquals(null, d.subject(), "fields past the cap are not read");
    assertEquals("body\r\n", d.bodyText());
    assertEquals(List.of("more than 1000 header fields; the rest ignored"), d.parseWarnings());
  }

  @Test
  void nulInAddresses() {
    byte[] message = ("From: \"Al\0ice\" <ali\0ce@example.test>\r\nTo: bob\0@x.test, \0\r\n"
        + "Date: Tue, 3 Jun 2025 10:00:00 +0000\r\n\r\nbody").getBytes(StandardCharsets.ISO_8859_1);
    MessageDocument d = normalizeWithin(message);
    assertEquals(List.of(new EmailAddress("Al ice", "alice@example.test")), d.from());
    assertEquals(List.of(new EmailAddress(null, "bob@x.test")), d.to());
    assertEquals(List.of("control characters removed from a From display name",
        "control characters removed from a From address", "control characters removed from a To address"),
        d.parseWarnings());
  }

  @Test
  void unknownCharsetsAreDecodedLossilyWithWarnings() {
    byte[] message = ("From: =?x-klingon?q?K=E9lor?= <k@x.test>\r\nSubject: =?x-klingon?b?Y2Fm6Q==?=\r\n"
        + "Date: Tue, 3 Jun 2025 10:00:00 +0000\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        + "--b\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\ncaf\u00e9 au lait\r\n"
        + "--b\r\nContent-Type: text/plain; charset=\"x-vulcan\"\r\n\r\nna\u00efve\r\n"
        + "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=x-romulan''r%E9.pdf\r\n"
        + "\r\nx\r\n--b--\r\n").getBytes(StandardCharsets.ISO_8859_1);
    MessageDocument d = normalizeWithin(message);
    assertEquals("café", d.subject());
    assertEquals(List.of(new EmailAddress("Kélor", "k@x.test")), d.from());
    assertEquals("café au lait\nnaïve", d.bodyText());
    assertEquals("ré.pdf", d.attachments().get(0).filename());
    // in the order they are met: parts while walking, then the message's own header fields
    assertEquals(List.of(
        "unknown charset 'x-klingon' in text/plain part; decoded as windows-1252",
        "unknown charset 'x-vulcan' in text/plain part; decoded as windows-1252",
        "unknown charset 'x-romulan' in Content-Disposition; decoded as windows-1252",
        "unknown charset 'x-klingon' in Subject; decoded as windows-1252",
        "unknown charset 'x-klingon' in From; decoded as windows-1252"), d.parseWarnings());
  }

  @Test
  void mailsploitEncodedWordWithNulAndNewlineInTheDisplayName() {
    String evil = Base64.getEncoder().encodeToString(
        "potus@whitehouse.gov\0\r\nBcc: victim@x.test\n".getBytes(StandardCharsets.UTF_8));
    byte[] message = ("From: =?utf-8?b?" + evil + "?= <evil@attacker.test>\r\n"
        + "Subject: =?utf-8?q?hello=00=0D=0Aworld?=\r\nDate: Tue, 3 Jun 2025 10:00:00 +0000\r\n"
        + "Content-Type: application/octet-stream; name=\"=?utf-8?q?a=00b=E2=80=AEfdp.exe?=\"\r\n"
        + "\r\nx").getBytes(StandardCharsets.US_ASCII);
    MessageDocument d = normalizeWithin(message);
    EmailAddress from = d.from().get(0);
    assertEquals("evil@attacker.test", from.address());
    assertEquals("potus@whitehouse.gov Bcc: victim@x.test", from.name());
    assertEquals("hello world", d.subject());
    assertEquals("a bfdp.exe", d.attachments().get(0).filename());
    for (String s : List.of(from.name(), d.subject(), d.attachments().get(0).filename())) {
      assertTrue(s.chars().noneMatch(c -> c == 0 || c == '\r' || c == '\n' || c == 0x202e), s);
    }
    assertEquals(List.of("control characters removed from a file name",
        "control characters removed from Subject",
        "control characters removed from a From display name"), d.parseWarnings());
  }

  @Test
  void endlessSemicolonsInAddressFields() {
    String semis = ";".repeat(50_000);
    byte[] message = ("From: a@x.test" + semis + "\r\nTo: " + semis + "\r\nCc: group:" + semis
        + "\r\nBcc: " + ";".repeat(1 << 20) + "\r\nDate: Tue, 3 Jun 2025 10:00:00 +0000\r\n\r\nbody")
        .getBytes(StandardCharsets.US_ASCII);
    MessageDocument d = normalizeWithin(message);
    assertEquals(List.of(new EmailAddress(null, "a@x.test")), d.from());
    assertEquals(List.of(), d.to());
    assertEquals(List.of(), d.cc());
    assertEquals(List.of(), d.bcc());
    assertEquals(List.of("Bcc header of 1048577 octets cut to 65536",
        "From header has empty list elements (stray ',' or ';')",
        "To header has empty list elements (stray ',' or ';')",
        "Cc header has empty list elements (stray ',' or ';')",
        "Bcc header has empty list elements (stray ',' or ';')"), d.parseWarnings());
    assertTrue(Normalized.jsonLength(d) < MAX_JSON);
  }

  @Test
  void endlessAddressesAndGroupsAreCapped() {
    byte[] message = generate(out -> {
      out.raw("To: ");
      for (int i = 0; i < 30_000; i++) {
        out.raw("g" + i + ": u" + i + "@x.test;, ");
      }
      out.line("").line("Date: Tue, 3 Jun 2025 10:00:00 +0000").line("").line("body");
    });
    MessageDocument d = normalizeWithin(message);
    assertTrue(d.to().size() <= NormalizerLimits.DEFAULT_MAX_ADDRESSES);
    assertEquals("u0@x.test", d.to().get(0).address());
    assertTrue(Normalized.jsonLength(d) < MAX_JSON);
    assertTrue(d.parseWarnings().get(0).startsWith("To header of "), d.parseWarnings().toString());
  }

  @Test
  void htmlThatWouldMakeRegexesQuadratic() {
    byte[] message = generate(out -> {
      out.line("Date: Tue, 3 Jun 2025 10:00:00 +0000").line("Content-Type: text/html").line("");
      for (int i = 0; i < 100_000; i++) {
        out.raw("<style><blockquote><script><!--<a b='");
      }
    });
    MessageDocument d = normalizeWithin(message);
    assertEquals(NormalizerOptions.DEFAULT_MAX_BODY_HTML_CHARS, d.bodyHtml().length());
    assertTrue(d.truncated());
    assertEquals("", d.blurb());
  }

  @Test
  void encodedWordFloodInTheSubject() {
    byte[] message = generate(out -> {
      out.raw("Subject: ");
      for (int i = 0; i < 60_000; i++) {
        out.raw("=?utf-8?q?a?= =?");
      }
      out.line("").line("Date: Tue, 3 Jun 2025 10:00:00 +0000").line("").line("body");
    });
    MessageDocument d = normalizeWithin(message);
    assertEquals(1000, d.subject().length());
    assertTrue(Normalized.jsonLength(d) < MAX_JSON);
  }
}

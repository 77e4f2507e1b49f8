package io.imapsync.normalize;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.model.MessageDocument;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random mail assembled from the fragments parsers branch on (boundaries, encoded-words,
 * RFC 2231 sections, quotes, comments, control octets, broken encodings): every message must
 * normalize without an exception, within time, into a document the schema accepts. Reproducible:
 * a failure names its seed.
 */
class RandomMailTest {
  private static final int MESSAGES = 3_000;
  private static final String[] HEADER_NAMES = {"From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Subject", "Date",
      "Message-ID", "In-Reply-To", "References", "Content-Type", "Content-Disposition", "Content-Transfer-Encoding",
      "Content-ID", "List-Id", "X-Mailer", "MIME-Version", "Received"};
  private static final String[] FRAGMENTS = {"a@b.test", "<x@y>", "\"q\\\"uo,te\"", "(comm(ent)", ";", ",", ":",
      "=?utf-8?q?=C3=A9_?=", "=?x-bad?b?w6k=?=", "=?utf-8?b?AA0K?=", "=?", "?=", "multipart/mixed",
      "multipart/alternative", "text/plain", "text/html", "message/rfc822", "boundary=\"b\"", "boundary=b2",
      "charset=utf-7", "charset=\"x-unknown\"", "charset=iso-8859-1", "name*0*=utf-8''%E2%82", "name*1*=%AC",
      "filename*=''%ff", "filename=\"r\u00e9.pdf\"", "base64", "quoted-printable", "Tue, 3 Jun 2025 10:00:00 +0000",
      "Thu Jan 01", "\u0000", "\r", "\t", " ", "\u202e", "\u00ff", "<", ">", "[", "]", "\\", "\"", "'", "=", "%"};
  private static final String[] BODY = {"--b", "--b--", "--b2", "--b2--", "", "text", "=E9=", "w6k=", "====",
      "<p>", "</blockquote>", "<script>", "&amp;", "&#xD800;", "> quoted", "On Mon, Bob wrote:", "-- ",
      "Content-Type: text/html", "Content-Type: multipart/mixed; boundary=b", "Content-Transfer-Encoding: base64",
      "\u0000\u0001", "\u00e9"};

  @Test
  void randomMailNeverBreaksTheNormalizer() {
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      for (int seed = 0; seed < MESSAGES; seed++) {
        byte[] message = message(new Random(seed));
        MessageDocument d;
        try {
          d = Normalized.NORMALIZER.normalize(Normalized.raw(message));
          if (seed % 10 == 0) {
            Normalized.checked(d);
          }
        } catch (RuntimeException | AssertionError e) {
          throw new AssertionError("seed " + seed + ": " + e, e);
        }
        assertNotNull(d.blurb(), "seed " + seed);
        assertTrue(d.blurb().length() <= 201, "seed " + seed);
        assertTrue(d.parseWarnings().size() <= Warnings.MAX_WARNINGS + 1, "seed " + seed);
      }
    });
  }

  static byte[] message(Random r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int headers = r.nextInt(12);
    for (int i = 0; i < headers; i++) {
      StringBuilder h = new StringBuilder(HEADER_NAMES[r.nextInt(HEADER_NAMES.length)]).append(": ");
      int parts = 1 + r.nextInt(6);
      for (int k = 0; k < parts; k++) {
        h.append(FRAGMENTS[r.nextInt(FRAGMENTS.length)]);
        if (r.nextInt(3) == 0) {
          h.append(r.nextBoolean() ? "; " : "\r\n ");
        }
      }
      write(out, h.append("\r\n").toString(), r);
    }
    if (r.nextInt(10) > 0) {
      write(out, "\r\n", r);
    }
    int lines = r.nextInt(30);
    for (int i = 0; i < lines; i++) {
      write(out, BODY[r.nextInt(BODY.length)] + (r.nextInt(8) == 0 ? "\n" : "\r\n"), r);
    }
    return out.toByteArray();
  }

  /** Mostly UTF-8, sometimes Latin-1, so both header decoders are exercised. */
  private static void write(ByteArrayOutputStream out, String s, Random r) {
    out.writeBytes(s.getBytes(r.nextInt(5) == 0 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
  }
}

package io.imapsync.normalize;

import static io.imapsync.normalize.Normalized.mail;
import static io.imapsync.normalize.Normalized.normalize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.model.Attachment;
import io.imapsync.model.EmailAddress;
import io.imapsync.model.MessageDocument;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fields of the message document, one concern per test, on hand-made messages. */
class MessageNormalizerTest {

  @Test
  void plainMessageHasEveryField() {
    MessageDocument d = Normalized.NORMALIZER.normalize(new RawMessage("acct", "INBOX", 7, 42,
        List.of("\\Seen", "\\Flagged", "$Important"), 1_700_000_000_000L, 1234, mail(
            "Message-ID: <root-1@example.test>",
            "In-Reply-To: <parent@example.test> (comment)",
            "References: <a@x> <b@x>\r\n <parent@example.test> <a@x>",
            "Date: Tue, 3 Jun 2025 10:00:00 -0700 (PDT)",
            "From: Bob Example <Bob@Example.TEST>",
            "Sender: list-bounces@lists.example.test",
            "Reply-To: list@lists.example.test",
            "To: Alice <alice@example.test>, carol@example.test",
            "Cc: \"Last, First\" <first.last@example.test>",
            "Bcc: me@example.com",
            "Subject: Budget for Q3",
            "List-Id: Team list <team.lists.example.test>",
            "X-Mailer: Example Mailer 1.0",
            "",
            "Can you review the numbers by Friday?",
            ""), null, 0, List.of("\\Inbox", "&AMk-t&AOk-")));
    Normalized.checked(d);
    assertTrue(d.id().matches("m[0-9a-f]{23}"), d.id());
    assertEquals("acct", d.accountId());
    assertEquals("INBOX", d.mailbox());
    assertEquals(7, d.uidvalidity());
    assertEquals(42, d.uid());
    assertEquals("root-1@example.test", d.messageId());
    assertEquals("parent@example.test", d.inReplyTo());
    assertEquals(List.of("a@x", "b@x", "parent@example.test"), d.references());
    assertEquals("Budget for Q3", d.subject());
    assertEquals(List.of(new EmailAddress("Bob Example", "Bob@example.test")), d.from());
    assertEquals(List.of(new EmailAddress(null, "list-bounces@lists.example.test")), d.sender());
    assertEquals(List.of(new EmailAddress(null, "list@lists.example.test")), d.replyTo());
    assertEquals(List.of(new EmailAddress("Alice", "alice@example.test"),
        new EmailAddress(null, "carol@example.test")), d.to());
    assertEquals(List.of(new EmailAddress("Last, First", "first.last@example.test")), d.cc());
    assertEquals(List.of(new EmailAddress(null, "me@example.com")), d.bcc());
    assertEquals(Instant.parse("2025-06-03T17:00:00Z").toEpochMilli(), d.date());
    assertEquals(1_700_000_000_000L, d.receivedAt());
    assertFalse(d.unread());
    assertTrue(d.starred());
    assertFalse(d.answered());
    assertFalse(d.draft());
    assertEquals(List.of("\\Seen", "\\Flagged", "$Important"), d.flags());
    assertEquals(List.of("\\Inbox", "Été"), d.gmailLabels());
    assertEquals(1234, d.size());
    assertTrue(d.inbound());
    assertEquals("Can you review the numbers by Friday?", d.blurb());
    assertEquals("Can you review the numbers by Friday?\r\n", d.bodyText());
    assertNull(d.bodyHtml());
    assertFalse(d.truncated());
    assertFalse(d.hasAttachments());
    assertEquals(List.of(), d.attachments());
    assertEquals(Map.of("list-id", "Team list <team.lists.example.test>", "x-mailer", "Example Mailer 1.0"),
        d.headers());
    assertEquals(List.of(), d.parseWarnings());
  }

  @Test
  void stableIdPrefersEmailIdThenGmailIdThenMessageIdAndContent() {
    byte[] m = mail("Message-ID: <x@y>", "Date: Tue, 3 Jun 2025 10:00:00 +0000", "", "hi");
    RawMessage plain = Normalized.raw(m);
    String byContent = Normalized.NORMALIZER.normalize(plain).id();
    assertEquals(byContent, Normalized.NORMALIZER.normalize(new RawMessage("acct", "Archive", 9, 3, List.of(),
        -1, -1, m, null, 0)).id(), "same octets in another folder: same id");
    assertNotEquals(byContent, Normalized.normalize(mail("Message-ID: <x@y>", "", "other")).id());
    assertTrue(Normalized.NORMALIZER.normalize(new RawMessage("a", "INBOX", 1, 1, List.of(), -1, -1, m,
        "M6d99ac3275bb4e", 0)).id().startsWith("e"));
    // absent X-GM-MSGID comes as -1 from the FETCH parser (and as 0 from older callers)
    assertEquals(byContent, Normalized.NORMALIZER.normalize(new RawMessage("acct", "INBOX", 7, 42, List.of(),
        -1, -1, m, null, -1)).id());
    // X-GM-MSGID is unsigned 64-bit: values above Long.MAX_VALUE arrive negative
    assertEquals("gfedcba9876543210", Normalized.NORMALIZER.normalize(new RawMessage("a", "INBOX", 1, 1,
        List.of(), -1, -1, m, null, 0xfedcba9876543210L)).id());
  }

  @Test
  void subjectDecodesAdjacentEncodedWordsWithoutTheWhiteSpaceBetweenThem() {
    MessageDocument d = normalize(mail(
        "Subject: =?iso-8859-1?q?caf=E9?= =?utf-8?q?_ol=C3=A9?=\r\n =?utf-8?b?IPCfmIA=?= and",
        "  =?utf-8?q?more?=", "", ""));
    assertEquals("café olé 😀 and more", d.subject());
    // a character split over two words (an encoder bug seen in the wild) comes out whole
    assertEquals("😀", normalize(mail("Subject: =?utf-8?b?8J+Y?= =?utf-8?b?gA==?=", "", "")).subject());
    // raw UTF-8 (RFC 6532) and raw Latin-1 (not UTF-8: decoded as windows-1252, with a warning)
    assertEquals("naïve", normalize(mail("Subject: naïve", "", "")).subject());
    MessageDocument latin1 = normalize(("Subject: caf\u00e9\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    assertEquals("café", latin1.subject());
    assertEquals(List.of("8-bit octets in Subject header are not UTF-8; decoded as windows-1252",
        "no Date header; INTERNALDATE used"), latin1.parseWarnings());
  }

  @Test
  void addressForms() {
    MessageDocument d = normalize(mail(
        "From: torvalds@linux-foundation.org (Linus Torvalds)",
        "To: undisclosed-recipients:;",
        "Cc: team: a@x.test, \"B, Jr.\" <b@X.Test>;, <@relay.test:c@x.test>, =?utf-8?q?Caf=C3=A9?= <d@x.test>",
        "Bcc: \"=?utf-8?b?w4lsaXNl?=\" <e@x.test>, root",
        "", ""));
    assertEquals(List.of(new EmailAddress("Linus Torvalds", "torvalds@linux-foundation.org")), d.from());
    assertEquals(List.of(), d.to());
    assertEquals(List.of(new EmailAddress(null, "a@x.test"), new EmailAddress("B, Jr.", "b@x.test"),
        new EmailAddress(null, "c@x.test"), new EmailAddress("Café", "d@x.test")), d.cc());
    assertEquals(List.of(new EmailAddress("Élise", "e@x.test"), new EmailAddress(null, "root")), d.bcc());
  }

  @Test
  void duplicateAddressFieldsAreMergedWithAWarning() {
    MessageDocument d = normalize(mail("From: a@x.test", "Cc: Bob <bob@x.test>", "Subject: s",
        "cc: Charles <charles@x.test>", "Date: Thu, 16 Jun 2016 22:14:41 -0400", "", "body"));
    assertEquals(List.of(new EmailAddress("Bob", "bob@x.test"), new EmailAddress("Charles", "charles@x.test")),
        d.cc());
    assertEquals(List.of("duplicate cc header; merged"), d.parseWarnings());
  }

  @Test
  void dateFallsBackToInternalDateWithAWarning() {
    MessageDocument missing = normalize(mail("Subject: x", "", "b"));
    assertEquals(1_700_000_000_000L, missing.date());
    assertEquals(List.of("no Date header; INTERNALDATE used"), missing.parseWarnings());
    MessageDocument bad = normalize(mail("Date: Thu Jan 01 00:00:10 +0000", "", "b"));
    assertEquals(1_700_000_000_000L, bad.date());
    assertEquals(List.of("unparseable Date header 'Thu Jan 01 00:00:10 +0000'; INTERNALDATE used"),
        bad.parseWarnings());
    MessageDocument noZone = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00", "", "b"));
    assertEquals(Instant.parse("2025-06-03T10:00:00Z").toEpochMilli(), noZone.date());
    assertEquals(List.of("Date header without time zone; UTC assumed"), noZone.parseWarnings());
    MessageDocument neither = Normalized.checked(Normalized.NORMALIZER.normalize(new RawMessage("a", "INBOX", 1, 1,
        List.of(), -1, -1, mail("Subject: x", "", "b"), null, 0)));
    assertEquals(-1, neither.date());
    assertEquals(-1, neither.receivedAt());
  }

  @Test
  void outboundWhenFromIsOneOfTheAccountsAddresses() {
    MessageNormalizer n = new MessageNormalizer(NormalizerOptions.forAccount(Set.of("Me@Example.com")));
    assertFalse(Normalized.normalize(n, mail("From: Me <ME@example.COM>", "", "x")).inbound());
    assertTrue(Normalized.normalize(n, mail("From: other@example.com", "", "x")).inbound());
  }

  @Test
  void flagsBecomeBooleans() {
    MessageDocument d = Normalized.checked(Normalized.NORMALIZER.normalize(new RawMessage("a", "INBOX", 1, 1,
        List.of("\\answered", "\\DRAFT"), -1, -1, mail("Subject: x", "", "b"), null, 0)));
    assertTrue(d.unread());
    assertTrue(d.answered());
    assertTrue(d.draft());
    assertFalse(d.starred());
    assertEquals(List.of(), d.gmailLabels());
  }

  @Test
  void alternativeKeepsTextAndHtmlAndTheBlurbComesFromText() {
    MessageDocument d = normalize(mail(
        "From: a@x.test", "Date: Tue, 3 Jun 2025 10:00:00 +0000",
        "Content-Type: multipart/alternative; boundary=\"alt\"", "",
        "--alt", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: quoted-printable", "",
        "Gr=FC=DFe aus K=F6ln", "",
        "--alt", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "",
        Base64.getEncoder().encodeToString("<p>Grüße aus <b>Köln</b></p>".getBytes(StandardCharsets.UTF_8)),
        "--alt--", ""));
    assertEquals("Grüße aus Köln\r\n", d.bodyText());
    assertEquals("<p>Grüße aus <b>Köln</b></p>", d.bodyHtml());
    assertEquals("Grüße aus Köln", d.blurb());
    assertEquals(List.of(), d.parseWarnings());
  }

  @Test
  void blurbFromHtmlSkipsQuotesScriptsAndAttributeValues() {
    MessageDocument d = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000", "Content-Type: text/html", "",
        "<html><head><title>t</title><style>p{}</style></head><body><p>Sounds good &amp; see you",
        "<input value=\"a>b\">then&nbsp;&#x1F600;</p><div class=\"gmail_quote\">On Mon, Bob wrote:",
        "<blockquote><blockquote>old</blockquote> older</blockquote></div></body></html>"));
    assertEquals("Sounds good & see you then 😀", d.blurb());
  }

  @Test
  void blurbSkipsAttributionQuotesAndSignatureButKeepsInlineReplies() {
    MessageDocument d = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000", "",
        "On Tue, 17 Nov 2009 23:57:18 +0100, Israel <isra@x.test> wrote:", "", "> Is it ready?", "> Soon?",
        "", "Yes,   it is.", "", "> And the docs?", "", "Tomorrow.", "", "-- ", "Keith", ""));
    assertEquals("Yes, it is. Tomorrow.", d.blurb());
    MessageDocument outlook = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000", "", "Fine by me.", "",
        "-----Original Message-----", "From: Bob", "Sent: Monday", "", "Old text", ""));
    assertEquals("Fine by me.", outlook.blurb());
    MessageDocument wrapped = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000", "", "Thanks!", "",
        "On Mon, Jan 1, 2024 at 10:00 AM Alice Example <alice@example.test>", "wrote:", "> hello", ""));
    assertEquals("Thanks!", wrapped.blurb());
  }

  @Test
  void blurbIsCutAtAWordWithAnEllipsis() {
    String words = "lorem ipsum dolor sit amet ".repeat(20);
    MessageDocument d = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000", "", words));
    assertTrue(d.blurb().length() <= 201, d.blurb());
    assertTrue(d.blurb().endsWith("…"));
    assertFalse(d.blurb().contains("  "));
  }

  @Test
  void bodiesAreCutAtTheirCapsAndMarkedTruncated() {
    MessageNormalizer small = new MessageNormalizer(NormalizerOptions.forAccount(Set.of()).withBodyCaps(10, 20));
    MessageDocument d = Normalized.normalize(small, mail("Date: Tue, 3 Jun 2025 10:00:00 +0000",
        "Content-Type: multipart/alternative; boundary=b", "",
        "--b", "Content-Type: text/plain", "", "0123456789abcdef",
        "--b", "Content-Type: text/html", "", "<p>" + "x".repeat(100) + "</p>", "--b--"));
    assertEquals("0123456789", d.bodyText());
    assertEquals(20, d.bodyHtml().length());
    assertTrue(d.truncated());
    assertEquals(List.of(), d.parseWarnings());
  }

  @Test
  void textBudgetStopsReadingFurtherTextWithAWarning() {
    MessageNormalizer tight = new MessageNormalizer(NormalizerOptions.forAccount(Set.of())
        .withLimits(NormalizerLimits.builder().maxTextOctets(8).build()));
    MessageDocument d = Normalized.normalize(tight, mail("Date: Tue, 3 Jun 2025 10:00:00 +0000",
        "Content-Type: multipart/mixed; boundary=b", "",
        "--b", "", "12345", "--b", "", "67890", "--b", "", "abc", "--b--"));
    assertEquals("12345\n678", d.bodyText());
    assertTrue(d.truncated());
    assertEquals(List.of("body text beyond 8 octets not read"), d.parseWarnings());
  }

  @Test
  void attachmentsWithRfc2231AndRfc2047FileNamesContentIdsAndInlineImages() {
    MessageDocument d = normalize(mail(
        "Date: Tue, 3 Jun 2025 10:00:00 +0000",
        "Content-Type: multipart/mixed; boundary=\"mix\"", "",
        "--mix", "Content-Type: multipart/related; boundary=\"rel\"", "",
        "--rel", "Content-Type: text/html; charset=utf-8", "", "<p>See <img src=\"cid:logo@x\"></p>",
        "--rel", "Content-Type: image/png", "Content-ID: <logo@x>", "Content-Transfer-Encoding: base64", "",
        "iVBORw0KGgo=", "--rel--", "",
        "--mix", "Content-Type: application/pdf",
        "Content-Disposition: attachment;",
        " filename*1=\" a+b.pdf\"; filename*0*=utf-8''%E2%82%AC%20rates", "Content-Transfer-Encoding: base64", "",
        "JVBERi0xLjQK", "",
        "--mix", "Content-Type: application/octet-stream; name=\"=?utf-8?q?r=C3=A9sum=C3=A9?=.doc\"", "",
        "abc",
        "--mix", "Content-Type: text/plain; name*=iso-8859-1'fr'd%E9j%E0+vu.txt", "Content-Disposition: attachment",
        "", "hello",
        "--mix", "Content-Type: message/rfc822", "Content-Disposition: inline; filename=\"fwd.eml\"", "",
        "Subject: inner", "", "inner body",
        "--mix--", ""));
    assertEquals(List.of(
        new Attachment(null, "image/png", 8, "logo@x", true),
        new Attachment("€ rates a+b.pdf", "application/pdf", 9, null, false),
        new Attachment("résumé.doc", "application/octet-stream", 3, null, false),
        new Attachment("déjà+vu.txt", "text/plain", 5, null, false),
        new Attachment("fwd.eml", "message/rfc822", 28, null, false)), d.attachments());
    assertTrue(d.hasAttachments());
    assertEquals("<p>See <img src=\"cid:logo@x\"></p>", d.bodyHtml());
    assertNull(d.bodyText());
    assertEquals("See", d.blurb());
    assertEquals(List.of(), d.parseWarnings());
  }

  @Test
  void rfc2231ContinuationsAreJoinedInSectionOrderAndGapsStopThem() {
    MessageDocument d = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000",
        "Content-Type: application/pdf; name*2=\"c.pdf\"; name*0=\"a\"; name*1=\"b\"", "", "x"));
    assertEquals("abc.pdf", d.attachments().get(0).filename());
    MessageDocument gap = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000",
        "Content-Type: application/pdf; name*0=\"a\"; name*2=\"c.pdf\"", "", "x"));
    assertEquals("a", gap.attachments().get(0).filename());
    assertEquals(List.of("RFC 2231 parameter name in Content-Type misses section 1; later sections ignored"),
        gap.parseWarnings());
    // a multi-octet character split over two encoded sections
    MessageDocument split = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000",
        "Content-Disposition: attachment; filename*0*=utf-8''%E2%82; filename*1*=%AC.txt", "", "x"));
    assertEquals("€.txt", split.attachments().get(0).filename());
  }

  @Test
  void inlineTextWithAFileNameIsBothBodyAndAnInlineAttachment() {
    MessageDocument d = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000",
        "Content-Type: multipart/mixed; boundary=b", "",
        "--b", "Content-Type: text/plain", "", "Here is the fix.",
        "--b", "Content-Type: text/x-diff", "Content-Disposition: inline; filename=fix.patch", "", "--- a",
        "--b", "Content-Type: text/plain", "Content-Disposition: inline; filename=notes.txt", "", "notes",
        "--b--"));
    assertEquals("Here is the fix.\nnotes", d.bodyText());
    assertEquals(List.of(new Attachment("fix.patch", "text/x-diff", 5, null, false),
        new Attachment("notes.txt", "text/plain", 5, null, true)), d.attachments());
    assertTrue(d.hasAttachments());
  }

  @Test
  void aSingleInlineHtmlPartWithAFileNameIsTheBody() {
    MessageDocument d = normalize(mail("Date: Tue, 17 Nov 2009 21:28:38 +0600", "Content-Type: text/html",
        "Content-Disposition: inline; filename=test.html", "",
        "<html><body><input value=\"a>swordfish\"></body>hunter2</html>"));
    assertEquals("hunter2", d.blurb());
    assertEquals(List.of(), d.attachments());
    assertFalse(d.hasAttachments());
  }

  @Test
  void digestPartsDefaultToMessageRfc822() {
    MessageDocument d = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000",
        "Content-Type: multipart/digest; boundary=d", "", "--d", "", "Subject: one", "", "1", "--d--"));
    assertEquals("message/rfc822", d.attachments().get(0).contentType());
  }

  @Test
  void multipartWithoutBoundaryIsReadAsText() {
    MessageDocument d = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000", "Content-Type: multipart/mixed",
        "", "just text"));
    assertEquals("just text", d.bodyText());
    assertEquals(List.of("multipart/mixed without boundary; read as text/plain"), d.parseWarnings());
  }

  @Test
  void missingClosingBoundaryAndInvalidHeaderLinesAreWarnings() {
    MessageDocument d = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000", "this is not a header",
        "Content-Type: multipart/mixed; boundary=b", "", "--b", "", "part one", ""));
    assertEquals("part one\r\n", d.bodyText());
    assertEquals(List.of("invalid header line ignored", "a multipart ends without its closing boundary"),
        d.parseWarnings());
  }

  @Test
  void keptHeadersAreDecodedAndCut() {
    MessageDocument d = normalize(mail("Date: Tue, 3 Jun 2025 10:00:00 +0000",
        "List-Unsubscribe: <mailto:leave@x.test>,\r\n <https://x.test/leave>",
        "User-Agent: =?utf-8?q?M=C3=BCtt?= 2.2", "Precedence: bulk", "X-Priority: " + "1".repeat(5000), "", ""));
    assertEquals("<mailto:leave@x.test>, <https://x.test/leave>", d.headers().get("list-unsubscribe"));
    assertEquals("Mütt 2.2", d.headers().get("user-agent"));
    assertEquals("bulk", d.headers().get("precedence"));
    assertEquals(1000, d.headers().get("x-priority").length());
  }

  @Test
  void emptyAndHeaderOnlyMessagesAreStored() {
    MessageDocument empty = normalize(new byte[0]);
    assertNull(empty.subject());
    assertEquals("", empty.blurb());
    assertEquals(List.of(), empty.from());
    MessageDocument headersOnly = normalize("Subject: hi\r\n".getBytes(StandardCharsets.US_ASCII));
    assertEquals("hi", headersOnly.subject());
    assertTrue(headersOnly.parseWarnings().contains("a header block ends without an empty line"));
  }

  @Test
  void lfLineEndsWorkLikeCrlf() {
    MessageDocument d = normalize(("From: A <a@x.test>\nSubject: lf\nDate: Tue, 3 Jun 2025 10:00:00 +0000\n"
        + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nline\n--b--\n")
        .getBytes(StandardCharsets.US_ASCII));
    assertEquals("lf", d.subject());
    assertEquals("line", d.bodyText());
    assertEquals(List.of(), d.parseWarnings());
  }
}

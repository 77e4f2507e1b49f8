package io.imapsync.demo;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The demo's mail: a realistic reply chain among three colleagues (quoted replies, a signature, an
 * attachment, an encoded non-ASCII subject) plus an unrelated HTML message, each as RFC 5322 text
 * with proper Message-ID, In-Reply-To and References.
 */
final class DemoMail {
  static final String DOMAIN = "demo.test";

  /** One delivery: the raw message and the demo accounts whose INBOX receives it. */
  record Delivery(String messageId, String subject, List<String> recipients, byte[] raw) {}

  private DemoMail() {}

  static List<Delivery> replyChain() {
    List<Delivery> out = new ArrayList<>();
    ZonedDateTime t = ZonedDateTime.now().minusMinutes(30);
    String root = id("offsite-1");
    out.add(text(root, null, List.of(), "Bob Builder <bob@demo.test>",
        "Alice Archer <alice@demo.test>, Carol Chen <carol@demo.test>", "Q3 offsite planning", t,
        """
        Hi both,

        Shall we book the offsite for the second week of September? I can take care of the venue
        if one of you handles travel.

        Bob
        """, List.of("alice", "carol")));
    String r1 = id("offsite-2");
    out.add(text(r1, root, List.of(root), "Alice Archer <alice@demo.test>",
        "Bob Builder <bob@demo.test>, Carol Chen <carol@demo.test>", "Re: Q3 offsite planning", t.plusMinutes(4),
        """
        Second week works for me. I'll sort out travel.

        On Mon, Bob Builder wrote:
        > Shall we book the offsite for the second week of September?

        --\s
        Alice Archer, Operations
        """, List.of("bob", "carol")));
    String r2 = id("offsite-3");
    out.add(text(r2, r1, List.of(root, r1), "Carol Chen <carol@demo.test>",
        "Alice Archer <alice@demo.test>, Bob Builder <bob@demo.test>", "Re: Re: Q3 offsite planning",
        t.plusMinutes(9),
        """
        Count me in. Tuesday to Thursday suits me best; Monday I have the board call.

        > Second week works for me. I'll sort out travel.
        """, List.of("alice", "bob")));
    String r3 = id("offsite-4");
    out.add(withAttachment(r3, r2, List.of(root, r1, r2), "Bob Builder <bob@demo.test>",
        "Alice Archer <alice@demo.test>, Carol Chen <carol@demo.test>", "Re: Q3 offsite planning",
        t.plusMinutes(15),
        "Tuesday to Thursday it is. Draft agenda attached, comments welcome.\n", "agenda.txt",
        "Day 1: goals\nDay 2: roadmap\nDay 3: team time\n", List.of("alice", "carol")));
    String other = id("lunch-1");
    out.add(html(other, "Dave Diaz <dave@example.net>", "Alice Archer <alice@demo.test>", "Lunch on Friday?",
        t.plusMinutes(17),
        "<html><body><p>Hi Alice,</p><p>Are you free for <b>lunch on Friday</b>? "
            + "The new place by the station opened.</p><p>Dave</p></body></html>", List.of("alice")));
    String cafe = id("cafe-1");
    out.add(text(cafe, null, List.of(), "=?UTF-8?Q?Erin_M=C3=BCller?= <erin@example.net>",
        "Alice Archer <alice@demo.test>, Bob Builder <bob@demo.test>",
        "=?UTF-8?Q?Caf=C3=A9_=E2=98=95_on_Friday?=", t.plusMinutes(20),
        "Coffee after the offsite retro? My treat.\n", List.of("alice", "bob")));
    String r4 = id("offsite-5");
    out.add(text(r4, r3, List.of(root, r1, r2, r3), "Alice Archer <alice@demo.test>",
        "Bob Builder <bob@demo.test>, Carol Chen <carol@demo.test>", "Re: Q3 offsite planning",
        t.plusMinutes(24),
        """
        Agenda looks good. Flights are booked: we land Monday evening.

        > Tuesday to Thursday it is. Draft agenda attached, comments welcome.
        """, List.of("bob", "carol")));
    String cafe2 = id("cafe-2");
    out.add(text(cafe2, cafe, List.of(cafe), "Bob Builder <bob@demo.test>",
        "=?UTF-8?Q?Erin_M=C3=BCller?= <erin@example.net>, Alice Archer <alice@demo.test>",
        "Re: =?UTF-8?Q?Caf=C3=A9_=E2=98=95_on_Friday?=", t.plusMinutes(26),
        "Yes please!\n\nOn Fri, Erin wrote:\n> Coffee after the offsite retro? My treat.\n",
        List.of("alice")));
    return out;
  }

  private static String id(String local) {
    return local + "." + Long.toHexString(System.nanoTime()) + "@" + DOMAIN;
  }

  private static StringBuilder headers(String messageId, String inReplyTo, List<String> refs, String from,
      String to, String subject, ZonedDateTime date) {
    StringBuilder sb = new StringBuilder();
    sb.append("Message-ID: <").append(messageId).append(">\r\n");
    if (inReplyTo != null) {
      sb.append("In-Reply-To: <").append(inReplyTo).append(">\r\n");
    }
    if (!refs.isEmpty()) {
      sb.append("References:");
      for (String r : refs) {
        sb.append(" <").append(r).append(">");
      }
      sb.append("\r\n");
    }
    sb.append("Date: ").append(date.format(DateTimeFormatter.RFC_1123_DATE_TIME)).append("\r\n");
    sb.append("From: ").append(from).append("\r\n");
    sb.append("To: ").append(to).append("\r\n");
    sb.append("Subject: ").append(subject).append("\r\n");
    sb.append("MIME-Version: 1.0\r\n");
    return sb;
  }

  private static Delivery text(String messageId, String inReplyTo, List<String> refs, String from, String to,
      String subject, ZonedDateTime date, String body, List<String> recipients) {
    StringBuilder sb = headers(messageId, inReplyTo, refs, from, to, subject, date);
    sb.append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
    sb.append(body.replace("\n", "\r\n"));
    return new Delivery(messageId, subject, recipients, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static Delivery html(String messageId, String from, String to, String subject, ZonedDateTime date,
      String html, List<String> recipients) {
    StringBuilder sb = headers(messageId, null, List.of(), from, to, subject, date);
    sb.append("Content-Type: text/html; charset=utf-8\r\n\r\n").append(html).append("\r\n");
    return new Delivery(messageId, subject, recipients, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static Delivery withAttachment(String messageId, String inReplyTo, List<String> refs, String from,
      String to, String subject, ZonedDateTime date, String body, String filename, String content,
      List<String> recipients) {
    String boundary = "demo-" + Long.toHexString(System.nanoTime());
    StringBuilder sb = headers(messageId, inReplyTo, refs, from, to, subject, date);
    sb.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\r\n\r\n");
    sb.append("--").append(boundary).append("\r\n");
    sb.append("Content-Type: text/plain; charset=utf-8\r\n\r\n").append(body.replace("\n", "\r\n"));
    sb.append("--").append(boundary).append("\r\n");
    sb.append("Content-Type: text/plain; name=\"").append(filename).append("\"\r\n");
    sb.append("Content-Disposition: attachment; filename=\"").append(filename).append("\"\r\n");
    sb.append("Content-Transfer-Encoding: base64\r\n\r\n");
    sb.append(Base64.getMimeEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8))).append("\r\n");
    sb.append("--").append(boundary).append("--\r\n");
    return new Delivery(messageId, subject, recipients, sb.toString().getBytes(StandardCharsets.UTF_8));
  }
}

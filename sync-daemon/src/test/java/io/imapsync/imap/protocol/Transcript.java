package io.imapsync.imap.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Real server responses, each one whole frame as a server writes it: RFC 3501/9051 examples,
 * RFC 7162 CONDSTORE/QRESYNC, RFC 5465 NOTIFY, Gmail's X-GM-* items, and literals that must be
 * framed byte for byte (CRLFs, 8-bit octets, a line that looks like a literal header, NUL octets
 * in a {@code ~{n}} literal). Shared by the decoder tests, the fuzz seeds and the benchmark.
 */
final class Transcript {
  private Transcript() {}

  /** A response and where it comes from. */
  record Response(String name, byte[] bytes) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** The body of the BODY[] literal below: CRLFs, ISO-8859-1 octets, and "{5}" on a line of its own. */
  static final byte[] MESSAGE = latin1(
      "Return-Path: <joerg@example.org>\r\n"
          + "From: =?utf-8?q?J=C3=B6rg?= <joerg@example.org>\r\n"
          + "To: team@example.org\r\n"
          + "Subject: framing test\r\n"
          + "Content-Type: text/plain; charset=iso-8859-1\r\n"
          + "Content-Transfer-Encoding: 8bit\r\n"
          + "\r\n"
          + "Gr\u00fc\u00dfe aus K\u00f6ln, caf\u00e9 \u00e0 la cr\u00e8me\r\n"
          + "{5}\r\n"
          + "hello\r\n"
          + "* 3 EXISTS\r\n"
          + "A001 OK not a response\r\n"
          + ")\r\n"
          + "~{2}\r\n"
          + "end\r\n");

  /** Octets of a BINARY[] literal: NUL, CRLF, 0xFF. */
  static final byte[] BINARY = {0, 1, 2, '\r', '\n', 0, (byte) 0xff, 0, '{', '1', '}', '\r', '\n'};

  static List<Response> all() {
    List<Response> r = new ArrayList<>();
    // RFC 9051 / 3501 examples
    r.add(line("greeting", "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready."));
    r.add(line("capability", "* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED"));
    r.add(line("tagged ok", "abcd OK CAPABILITY completed"));
    r.add(line("exists", "* 172 EXISTS"));
    r.add(line("recent", "* 1 RECENT"));
    r.add(line("unseen", "* OK [UNSEEN 12] Message 12 is first unseen"));
    r.add(line("uidvalidity", "* OK [UIDVALIDITY 3857529045] UIDs valid"));
    r.add(line("uidnext", "* OK [UIDNEXT 4392] Predicted next UID"));
    r.add(line("flags", "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)"));
    r.add(line("permanentflags", "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited"));
    r.add(line("select done", "A142 OK [READ-WRITE] SELECT completed"));
    r.add(line("fetch envelope (RFC 3501)", "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
        + "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
        + "\"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
        + "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
        + "((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\") "
        + "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") "
        + "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))"));
    r.add(line("list ~", "* LIST (\\Noselect) \"/\" ~/Mail/foo"));
    r.add(line("lsub", "* LSUB () \".\" #news.comp.mail.misc"));
    r.add(line("status", "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)"));
    r.add(line("search", "* SEARCH 2 84 882"));
    r.add(line("namespace", "* NAMESPACE ((\"\" \"/\")) NIL NIL"));
    r.add(line("expunge", "* 22 EXPUNGE"));
    r.add(line("continuation", "+ idling"));
    r.add(line("esearch", "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3"));
    r.add(line("id", "* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"os\" \"sunos\")"));
    r.add(line("copyuid", "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done"));
    // RFC 7162 CONDSTORE / QRESYNC
    r.add(line("enabled", "* ENABLED CONDSTORE QRESYNC"));
    r.add(line("highestmodseq", "* OK [HIGHESTMODSEQ 715194045007] Highest"));
    r.add(line("fetch modseq", "* 1 FETCH (UID 4 MODSEQ (65402) FLAGS (\\Seen))"));
    r.add(line("nomodseq", "* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences"));
    r.add(line("vanished earlier", "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540"));
    r.add(line("vanished", "* VANISHED 405,407,410,425"));
    r.add(line("modified", "d105 OK [MODIFIED 7,9] Conditional STORE failed"));
    r.add(line("search modseq", "* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)"));
    r.add(line("closed", "* OK [CLOSED] Previous mailbox closed."));
    // RFC 5465 NOTIFY
    r.add(line("notificationoverflow", "* OK [NOTIFICATIONOVERFLOW] Too many events"));
    r.add(line("notify status", "* STATUS Lists/Lemonade (UIDVALIDITY 4 UIDNEXT 9999 MESSAGES 500 HIGHESTMODSEQ 7011231777)"));
    r.add(line("notify list", "* LIST () \"/\" \"NewMailbox\""));
    r.add(line("badevent", "M NO [BADEVENT (MessageNew MessageExpunge FlagChange)] Unsupported"));
    // Gmail
    r.add(line("gmail fetch", "* 1 FETCH (X-GM-THRID 1266894439832287888 X-GM-MSGID 1266894439832287888 "
        + "X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 4 FLAGS (\\Seen))"));
    r.add(line("gmail list", "* LIST (\\All \\HasNoChildren) \"/\" \"[Gmail]/All Mail\""));
    // literals
    r.add(literal("body[] literal", "* 2 FETCH (UID 1001 FLAGS (\\Seen) BODY[] ", MESSAGE, " MODSEQ (12345))"));
    r.add(new Response("binary literal", concat(latin1("* 3 FETCH (UID 1002 BINARY[1] ~{" + BINARY.length + "}\r\n"),
        BINARY, latin1(")\r\n"))));
    String header = "From: a@example.org\r\n\r\n";
    r.add(new Response("three literals", latin1(
        "* 4 FETCH (UID 1003 ENVELOPE (NIL {5}\r\nhello NIL NIL NIL NIL NIL NIL NIL {3}\r\n<a>) "
            + "BODY[HEADER.FIELDS (DATE FROM)] {" + header.length() + "}\r\n" + header + ")\r\n")));
    r.add(new Response("empty literal", latin1("* 5 FETCH (UID 1004 BODY[TEXT] {0}\r\n)\r\n")));
    r.add(new Response("bare LF", latin1("* 6 EXISTS\n")));
    r.add(line("bye", "* BYE IMAP4rev1 Server logging out"));
    r.add(line("logout done", "A023 OK LOGOUT completed"));
    return r;
  }

  /** Every response of {@link #all()} back to back. */
  static byte[] whole() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Response r : all()) {
      out.writeBytes(r.bytes());
    }
    return out.toByteArray();
  }

  static Response line(String name, String text) {
    return new Response(name, latin1(text + "\r\n"));
  }

  static Response literal(String name, String head, byte[] literal, String tail) {
    return new Response(name, concat(latin1(head + "{" + literal.length + "}\r\n"), literal,
        latin1(tail + "\r\n")));
  }

  /** ISO-8859-1, so "\u00e9" is the single octet 0xE9 (8-bit, not UTF-8). */
  static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}

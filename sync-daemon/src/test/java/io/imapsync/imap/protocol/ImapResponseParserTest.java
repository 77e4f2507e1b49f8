package io.imapsync.imap.protocol;

import static io.imapsync.imap.protocol.Transcript.latin1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.imapsync.imap.protocol.ImapResponse.Capabilities;
import io.imapsync.imap.protocol.ImapResponse.Continuation;
import io.imapsync.imap.protocol.ImapResponse.ESearch;
import io.imapsync.imap.protocol.ImapResponse.Enabled;
import io.imapsync.imap.protocol.ImapResponse.Exists;
import io.imapsync.imap.protocol.ImapResponse.Expunge;
import io.imapsync.imap.protocol.ImapResponse.Fetch;
import io.imapsync.imap.protocol.ImapResponse.Flags;
import io.imapsync.imap.protocol.ImapResponse.Id;
import io.imapsync.imap.protocol.ImapResponse.ListEntry;
import io.imapsync.imap.protocol.ImapResponse.MailboxStatus;
import io.imapsync.imap.protocol.ImapResponse.Namespace;
import io.imapsync.imap.protocol.ImapResponse.Recent;
import io.imapsync.imap.protocol.ImapResponse.Search;
import io.imapsync.imap.protocol.ImapResponse.Status;
import io.imapsync.imap.protocol.ImapResponse.Tagged;
import io.imapsync.imap.protocol.ImapResponse.Unknown;
import io.imapsync.imap.protocol.ImapResponse.Vanished;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ImapResponseParser}: one table of real responses, each with the record it must become
 * (covering every {@link ImapResponse} and every {@link ResponseCode} variant), then hostile input.
 * Records holding arrays are compared through {@link #canonical(Object)}.
 */
class ImapResponseParserTest {

  /**
   * How the frame reaches the parser: a heap slice (read through its array, at a non-zero array
   * offset), a small direct buffer (copied once), a direct buffer read in place (as frames larger
   * than {@link ImapResponseParser#COPY_LIMIT} are). Every test runs on all three.
   */
  enum Frames { HEAP, DIRECT_COPIED, DIRECT_IN_PLACE }

  private static final ThreadLocal<Frames> MODE = ThreadLocal.withInitial(() -> Frames.HEAP);

  // ================================================================ the table

  static Stream<Arguments> fixtures() {
    return fixtureList().stream();
  }

  static List<Arguments> fixtureList() {
    List<Arguments> t = new ArrayList<>();
    // --- tagged, continuation, status
    t.add(fx("A142 OK [READ-WRITE] SELECT completed",
        new Tagged("A142", Condition.OK, new ResponseCode.ReadWrite(), "SELECT completed")));
    t.add(fx("A932 OK [READ-ONLY] EXAMINE completed",
        new Tagged("A932", Condition.OK, new ResponseCode.ReadOnly(), "EXAMINE completed")));
    t.add(fx("A003 NO [TRYCREATE] No such mailbox",
        new Tagged("A003", Condition.NO, new ResponseCode.TryCreate(), "No such mailbox")));
    t.add(fx("a4 BAD command unknown or arguments invalid",
        new Tagged("a4", Condition.BAD, null, "command unknown or arguments invalid")));
    t.add(fx("A1 OK", new Tagged("A1", Condition.OK, null, "")));
    t.add(fx("A1 ok lower-case condition", new Tagged("A1", Condition.OK, null, "lower-case condition")));
    t.add(fx("A004 OK [COPYUID 38505 304,319:320 3956:3958] Done",
        new Tagged("A004", Condition.OK, new ResponseCode.CopyUid(38505, "304,319:320", "3956:3958"), "Done")));
    t.add(fx("A003 OK [APPENDUID 38505 3955] APPEND completed",
        new Tagged("A003", Condition.OK, new ResponseCode.AppendUid(38505, "3955"), "APPEND completed")));
    t.add(fx("d105 OK [MODIFIED 7,9] Conditional STORE failed",
        new Tagged("d105", Condition.OK, new ResponseCode.Other("MODIFIED", "7,9"), "Conditional STORE failed")));
    t.add(fx("M NO [BADEVENT (MessageNew MessageExpunge FlagChange)] Unsupported",
        new Tagged("M", Condition.NO, new ResponseCode.Other("BADEVENT", "(MessageNew MessageExpunge FlagChange)"),
            "Unsupported")));
    t.add(fx("a NO [UNAVAILABLE] Try later",
        new Tagged("a", Condition.NO, new ResponseCode.Other("UNAVAILABLE", ""), "Try later")));
    t.add(fx("+ Ready for additional command text", new Continuation("Ready for additional command text")));
    t.add(fx("+", new Continuation("")));
    t.add(fx("+ idling", new Continuation("idling")));
    t.add(fx("* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR] Dovecot ready.",
        new Status(Condition.OK, new ResponseCode.Capability(Set.of("IMAP4REV1", "LITERAL+", "SASL-IR")),
            "Dovecot ready.")));
    t.add(fx("* OK [UNSEEN 12] Message 12 is first unseen",
        new Status(Condition.OK, new ResponseCode.Unseen(12), "Message 12 is first unseen")));
    t.add(fx("* OK [UIDVALIDITY 3857529045] UIDs valid",
        new Status(Condition.OK, new ResponseCode.UidValidity(3857529045L), "UIDs valid")));
    t.add(fx("* OK [UIDNEXT 4392] Predicted next UID",
        new Status(Condition.OK, new ResponseCode.UidNext(4392), "Predicted next UID")));
    t.add(fx("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited",
        new Status(Condition.OK, new ResponseCode.PermanentFlags(List.of("\\Deleted", "\\Seen", "\\*")), "Limited")));
    t.add(fx("* OK [HIGHESTMODSEQ 715194045007] Highest",
        new Status(Condition.OK, new ResponseCode.HighestModSeq(715194045007L), "Highest")));
    t.add(fx("* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences",
        new Status(Condition.OK, new ResponseCode.NoModSeq(), "Sorry, this mailbox format doesn't support modsequences")));
    t.add(fx("* OK [CLOSED]", new Status(Condition.OK, new ResponseCode.Closed(), "")));
    t.add(fx("* OK [ALERT] System shutdown in 10 minutes",
        new Status(Condition.OK, new ResponseCode.Alert(), "System shutdown in 10 minutes")));
    t.add(fx("* OK [NOTIFICATIONOVERFLOW] Too many events",
        new Status(Condition.OK, new ResponseCode.NotificationOverflow(), "Too many events")));
    t.add(fx("* OK Still here", new Status(Condition.OK, null, "Still here")));
    t.add(fx("* NO Disk is 98% full, please delete unnecessary data",
        new Status(Condition.NO, null, "Disk is 98% full, please delete unnecessary data")));
    t.add(fx("* BAD Empty command line", new Status(Condition.BAD, null, "Empty command line")));
    t.add(fx("* PREAUTH IMAP4rev2 server logged in as Smith",
        new Status(Condition.PREAUTH, null, "IMAP4rev2 server logged in as Smith")));
    t.add(fx("* BYE Autologout; idle for too long", new Status(Condition.BYE, null, "Autologout; idle for too long")));
    // --- server and mailbox data
    t.add(fx("* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED",
        new Capabilities(Set.of("IMAP4REV1", "STARTTLS", "AUTH=GSSAPI", "LOGINDISABLED"))));
    t.add(fx("* ENABLED CONDSTORE QRESYNC", new Enabled(Set.of("CONDSTORE", "QRESYNC"))));
    t.add(fx("* ENABLED", new Enabled(Set.of())));
    t.add(fx("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
        new Flags(List.of("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"))));
    t.add(fx("* 172 EXISTS", new Exists(172)));
    t.add(fx("* 0 EXISTS", new Exists(0)));
    t.add(fx("* 9223372036854775807 EXISTS", new Exists(Long.MAX_VALUE)));
    t.add(fx("* 1 RECENT", new Recent(1)));
    t.add(fx("* 44 EXPUNGE", new Expunge(44)));
    t.add(fx("* VANISHED (EARLIER) 41,43:116,118,120:211,214:540",
        new Vanished(true, new UidSet(new long[] {41, 43, 118, 120, 214}, new long[] {41, 116, 118, 211, 540}))));
    t.add(fx("* VANISHED 405,407,410,425",
        new Vanished(false, new UidSet(new long[] {405, 407, 410, 425}, new long[] {405, 407, 410, 425}))));
    t.add(fx("* VANISHED 300:200", new Vanished(false, new UidSet(new long[] {200}, new long[] {300}))));
    t.add(fx("* SEARCH 2 84 882", new Search(new long[] {2, 84, 882}, -1)));
    t.add(fx("* SEARCH", new Search(new long[0], -1)));
    t.add(fx("* SEARCH 3 4 ", new Search(new long[] {3, 4}, -1)));
    t.add(fx("* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)",
        new Search(new long[] {2, 5, 6, 7, 11, 12, 18, 19, 20, 23}, 917162500L)));
    t.add(fx("* ESEARCH (TAG \"A282\") MIN 2 COUNT 3", new ESearch("A282", false, ordered("MIN", "2", "COUNT", "3"))));
    t.add(fx("* ESEARCH (TAG \"A283\") UID ALL 4:18,21,28", new ESearch("A283", true, ordered("ALL", "4:18,21,28"))));
    t.add(fx("* ESEARCH UID COUNT 0", new ESearch(null, true, ordered("COUNT", "0"))));
    // RFC 5256 §4 example; the tree shape itself is ThreadTreeTest's subject.
    t.add(fx("* THREAD (2)(3 6 (4 23)(44 7 96))",
        new ImapResponse.Thread(ThreadTree.parseAll("(2)(3 6 (4 23)(44 7 96))"))));
    t.add(fx("* ESEARCH (TAG \"A04\") UID PARTIAL (-1:-100 200:250,252:300)",
        new ESearch("A04", true, ordered("PARTIAL", "(-1:-100 200:250,252:300)"))));
    t.add(fx("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)",
        new MailboxStatus("blurdybloop", ordered("MESSAGES", 231L, "UIDNEXT", 44292L))));
    t.add(fx("* STATUS \"Sent Items\" (UIDVALIDITY 4 HIGHESTMODSEQ 7011231777 UNSEEN 0)",
        new MailboxStatus("Sent Items", ordered("UIDVALIDITY", 4L, "HIGHESTMODSEQ", 7011231777L, "UNSEEN", 0L))));
    t.add(fx("* LIST (\\Noselect) \"/\" ~/Mail/foo", new ListEntry(false, List.of("\\Noselect"), "/", "~/Mail/foo")));
    t.add(fx("* LIST () \".\" #news.comp.mail.mime", new ListEntry(false, List.of(), ".", "#news.comp.mail.mime")));
    t.add(fx("* LSUB () \".\" #news.comp.mail.misc", new ListEntry(true, List.of(), ".", "#news.comp.mail.misc")));
    t.add(fx("* LIST (\\All \\HasNoChildren) \"/\" \"[Gmail]/All Mail\"",
        new ListEntry(false, List.of("\\All", "\\HasNoChildren"), "/", "[Gmail]/All Mail")));
    t.add(fx("* LIST (\\HasNoChildren \\Drafts) \"/\" [Gmail]/Drafts",
        new ListEntry(false, List.of("\\HasNoChildren", "\\Drafts"), "/", "[Gmail]/Drafts")));
    t.add(fx("* LIST () \"/\" ~peter/mail/&U,BTFw-/&ZeVnLIqe-",
        new ListEntry(false, List.of(), "/", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")));
    t.add(fx("* LIST (\\Noselect) NIL \"\"", new ListEntry(false, List.of("\\Noselect"), null, "")));
    t.add(fx("* LIST () \"/\" {7}\r\nfoo bar", new ListEntry(false, List.of(), "/", "foo bar")));
    t.add(fx("* LIST () \"/\" \"Lists/Lemonade\" (\"OLDNAME\" (\"Lists/Lemonade Old\"))",
        new ListEntry(false, List.of(), "/", "Lists/Lemonade")));
    t.add(fx("* XLIST (\\HasNoChildren \\Inbox) \"/\" \"Inbox\"",
        new ListEntry(false, List.of("\\HasNoChildren", "\\Inbox"), "/", "Inbox")));
    t.add(fx("* NAMESPACE ((\"\" \"/\")) NIL ((\"#shared/\" \"/\") (\"#public/\" \"/\"))",
        new Namespace(list(list(str(""), str("/"))), ImapValue.NIL,
            list(list(str("#shared/"), str("/")), list(str("#public/"), str("/"))))));
    t.add(fx("* ID (\"name\" \"Cyrus\" \"version\" \"1.5\")", new Id(ordered("name", "Cyrus", "version", "1.5"))));
    t.add(fx("* ID NIL", new Id(Map.of())));
    // --- FETCH
    t.add(fx("* 1 FETCH (FLAGS (\\Seen) UID 4)", fetch(1).uid(4).flags("\\Seen").build()));
    t.add(fx("* 1 FETCH (UID 4 MODSEQ (65402) FLAGS (\\Seen))", fetch(1).uid(4).modSeq(65402).flags("\\Seen").build()));
    t.add(fx("* 2 FETCH (FLAGS ())", fetch(2).flags().build()));
    t.add(fx("* 12 FETCH (FLAGS (\\Seen $Forwarded) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286)",
        fetch(12).flags("\\Seen", "$Forwarded").internalDate("17-Jul-1996 02:44:25 -0700").size(4286).build()));
    t.add(fx("* 1 FETCH (X-GM-THRID 1266894439832287888 X-GM-MSGID 9223372036854775808 "
            + "X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 4)",
        fetch(1).gmThread(1266894439832287888L).gmMessage(Long.MIN_VALUE /* 2^63 unsigned */)
            .labels("\\Inbox", "\\Sent", "Important", "Muy Importante").uid(4).build()));
    t.add(fx("* 3 FETCH (EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9) UID 3)",
        fetch(3).emailId("M6d99ac3275bb4e").threadId("T64b478a75b7ea9").uid(3).build()));
    t.add(fx("* 3 FETCH (THREADID NIL UID 3)", fetch(3).uid(3).build()));
    t.add(fx(Transcript.literal("", "* 2 FETCH (UID 1001 FLAGS (\\Seen) BODY[] ", Transcript.MESSAGE, " MODSEQ (12345))").bytes(),
        fetch(2).uid(1001).flags("\\Seen").body("BODY[]", Transcript.MESSAGE).modSeq(12345).build()));
    t.add(fx(Transcript.concat(latin1("* 3 FETCH (UID 1002 BINARY[1] ~{" + Transcript.BINARY.length + "}\r\n"),
            Transcript.BINARY, latin1(")\r\n")),
        fetch(3).uid(1002).body("BINARY[1]", Transcript.BINARY).build()));
    t.add(fx("* 5 FETCH (UID 1004 BODY[TEXT] {0}\r\n)", fetch(5).uid(1004).body("BODY[TEXT]", new byte[0]).build()));
    t.add(fx("* 6 FETCH (body[header.fields (DATE FROM)]<0> {3}\r\nabc)",
        fetch(6).body("BODY[header.fields (DATE FROM)]<0>", latin1("abc")).build()));
    t.add(fx("* 7 FETCH (BODY[TEXT] NIL RFC822.HEADER {2}\r\nhi)",
        fetch(7).body("BODY[TEXT]", null).body("RFC822.HEADER", latin1("hi")).build()));
    t.add(fx("* 8 FETCH (BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))",
        fetch(8).bodyStructure(list(str("TEXT"), str("PLAIN"), list(str("CHARSET"), str("US-ASCII")),
            ImapValue.NIL, ImapValue.NIL, str("7BIT"), atom("3028"), atom("92"))).build()));
    t.add(fx("* 4 FETCH (UID 1003 ENVELOPE (NIL {5}\r\nhello NIL NIL NIL NIL NIL NIL NIL {3}\r\n<a>) "
            + "BODY[HEADER.FIELDS (DATE FROM)] {23}\r\nFrom: a@example.org\r\n\r\n)",
        fetch(4).uid(1003).envelope(list(ImapValue.NIL, str("hello"), ImapValue.NIL, ImapValue.NIL, ImapValue.NIL,
                ImapValue.NIL, ImapValue.NIL, ImapValue.NIL, ImapValue.NIL, str("<a>")))
            .body("BODY[HEADER.FIELDS (DATE FROM)]", latin1("From: a@example.org\r\n\r\n")).build()));
    t.add(fx("* 9 FETCH (UID 9 X-UNKNOWN (a (b)) PREVIEW \"hi\" BINARY.SIZE[1] 42)", fetch(9).uid(9).build()));
    // 8-bit octets where the grammar has ASCII: U+FFFD, the same on every read path
    t.add(fx("* OK [X\u00b1Y] t", new Status(Condition.OK, new ResponseCode.Other("X\uFFFDY", ""), "t")));
    t.add(fx("* 1 FETCH (BODY[\u00b1] {1}\r\nx)", fetch(1).body("BODY[\uFFFD]", latin1("x")).build()));
    // --- unknown untagged responses are kept raw (control octets escaped)
    t.add(fx("* XFOO bar baz", new Unknown("XFOO bar baz")));
    t.add(fx("* 5 XYZZY (1 2)", new Unknown("5 XYZZY (1 2)")));
    t.add(fx("* QUOTA \"\" (STORAGE 10 512)", new Unknown("QUOTA \"\" (STORAGE 10 512)")));
    t.add(fx("* XFOO a\tb\u001b[31m", new Unknown("XFOO a\\x09b\\x1b[31m")));
    return t;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void parsesFixture(String name, byte[] input, ImapResponse expected) {
    for (Frames mode : Frames.values()) {
      MODE.set(mode);
      try {
        assertEquals(canonical(expected), canonical(parse(input)), mode.name());
      } finally {
        MODE.remove();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Frames.class)
  void largeLiteralFrame(Frames mode) {
    // Past COPY_LIMIT a direct frame is read in place; the literal still comes out octet-exact.
    byte[] message = new byte[ImapResponseParser.COPY_LIMIT * 2];
    new java.util.SplittableRandom(7).nextBytes(message);
    byte[] frame = Transcript.literal("big", "* 9 FETCH (UID 99 BODY[] ", message, ")").bytes();
    MODE.set(mode);
    try {
      Fetch f = assertInstanceOf(Fetch.class, parse(frame));
      assertArrayEquals(message, f.data().wholeMessage());
      assertEquals(99, f.data().uid());
    } finally {
      MODE.remove();
    }
  }

  @Test
  void fixturesCoverEveryResponseAndCodeVariant() {
    Set<Class<?>> responses = new HashSet<>();
    Set<Class<?>> codes = new HashSet<>();
    for (Arguments a : fixtureList()) {
      Object expected = a.get()[2];
      responses.add(expected.getClass());
      if (expected instanceof Tagged tg && tg.code() != null) {
        codes.add(tg.code().getClass());
      } else if (expected instanceof Status st && st.code() != null) {
        codes.add(st.code().getClass());
      }
    }
    assertEquals(Set.of(ImapResponse.class.getPermittedSubclasses()), responses);
    assertEquals(Set.of(ResponseCode.class.getPermittedSubclasses()), codes);
  }

  @Test
  void everyTranscriptResponseParses() {
    for (Transcript.Response r : Transcript.all()) {
      ImapResponse parsed = parse(r.bytes());
      assertTrue(!(parsed instanceof Unknown), r.name() + " -> " + parsed);
    }
  }

  @Test
  void rfc3501FetchEnvelopeIsStructured() {
    Transcript.Response r = Transcript.all().stream()
        .filter(x -> x.name().equals("fetch envelope (RFC 3501)")).findFirst().orElseThrow();
    Fetch f = assertInstanceOf(Fetch.class, parse(r.bytes()));
    List<ImapValue> env = ((ImapValue.ListValue) f.data().envelope()).items();
    assertEquals(10, env.size());
    assertEquals("IMAP4rev1 WG mtg summary and minutes", env.get(1).text());
    ImapValue from = ((ImapValue.ListValue) env.get(2)).items().get(0);
    assertEquals("[Terry Gray, null, gray, cac.washington.edu]",
        ((ImapValue.ListValue) from).items().stream().map(ImapValue::text).toList().toString());
    assertEquals("<B27397-0100000@cac.washington.edu>", env.get(9).text());
    assertEquals(4286, f.data().size());
  }

  @Test
  void parsingDoesNotConsumeOrReleaseTheFrame() {
    ByteBuf frame = Unpooled.copiedBuffer("* 3 EXISTS\r\n", StandardCharsets.US_ASCII);
    new ImapResponseParser().parse(frame);
    assertEquals(1, frame.refCnt());
    assertEquals(0, frame.readerIndex());
    frame.release();
  }

  // ================================================================ hostile input

  @ParameterizedTest
  @ValueSource(strings = {"* OK hello\u0000world", "A1 OK \u0000", "* CAPABILITY IMAP4rev1\u0000X",
      "* XFOO a\u0000b", "* LIST () \"/\" \"a\u0000b\"", "+ \u0000", "* 1 FETCH (FLAGS (\\Se\u0000en))"})
  void nulInALineIsASyntaxError(String line) {
    var e = inEveryMode(ImapSyntaxException.class, () -> parse(line));
    assertTrue(e.getMessage().contains("NUL octet"), e.getMessage());
    assertTrue(e.getMessage().contains("\\x00"), "the message shows the NUL escaped: " + e.getMessage());
  }

  @Test
  void nulInsideALiteralIsData() {
    Fetch f = assertInstanceOf(Fetch.class, parse("* 1 FETCH (BODY[] {3}\r\na\u0000b)"));
    assertArrayEquals(new byte[] {'a', 0, 'b'}, f.data().wholeMessage());
  }

  /**
   * Documented behaviour: invalid UTF-8 never throws. Strings ({@link ImapValue.Str}) keep their
   * octets exactly; where the parser hands out text (mailbox names, status text, atoms, {@code
   * Str.utf8()}) malformed sequences become U+FFFD.
   */
  @ParameterizedTest
  @EnumSource(Frames.class)
  void invalidUtf8IsKeptAsOctetsAndDecodedWithReplacement(Frames mode) {
    MODE.set(mode);
    try {
      invalidUtf8();
    } finally {
      MODE.remove();
    }
  }

  private static void invalidUtf8() {
    ListEntry l = assertInstanceOf(ListEntry.class, parse(latin1("* LIST () \"/\" \"caf\u00e9\"\r\n")));
    assertEquals("caf\uFFFD", l.mailbox());

    Status s = assertInstanceOf(Status.class, parse(new byte[] {'*', ' ', 'O', 'K', ' ', (byte) 0xC3, '(', (byte) 0xFF, '\r', '\n'}));
    assertEquals("\uFFFD(\uFFFD", s.text());

    byte[] subject = {(byte) 0xFF, (byte) 0xFE, ' ', (byte) 0xE2, (byte) 0x82}; // truncated 3-byte sequence
    byte[] line = Transcript.concat(latin1("* 1 FETCH (ENVELOPE (NIL \""), subject,
        latin1("\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"));
    Fetch f = assertInstanceOf(Fetch.class, parse(line));
    ImapValue.Str str = (ImapValue.Str) ((ImapValue.ListValue) f.data().envelope()).items().get(1);
    assertArrayEquals(subject, str.bytes(), "octets kept for the consumer's charset handling");
    assertEquals("\uFFFD\uFFFD \uFFFD", str.utf8());
  }

  @ParameterizedTest
  @ValueSource(strings = {"* 1 FETCH (UID 5", "* 1 FETCH (UID 5\r\n", "* 1 FETCH (UID", "* 1 FETCH (FLAGS (\\Seen",
      "* 1 FETCH (BODY[] {5}\r\nab", "* 1 FETCH (ENVELOPE (\"abc", "* 1 FETCH", "* 1 FETCH ", "* 1 FETCH (BODY[HEADER",
      "* 1 FETCH (BODY[]<0", "* 1", "*", "* ", "* OK [UIDNEXT 5", "A1", "A1 "})
  void truncatedResponseIsASyntaxError(String input) {
    inEveryMode(ImapSyntaxException.class, () -> parseRaw(latin1(input)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"* VANISHED 1:3,", "* VANISHED (EARLIER) 1:3,", "* VANISHED ,1", "* VANISHED 1,,2",
      "* VANISHED 1:", "* VANISHED :5", "* VANISHED 0", "* VANISHED 4294967296", "* VANISHED 1:*", "* VANISHED 1::2",
      "* VANISHED", "* VANISHED "})
  void malformedVanishedSetIsASyntaxError(String line) {
    // CVE-2021-32055: a trailing comma once made a client read past the end of its buffer.
    var e = inEveryMode(ImapSyntaxException.class, () -> parse(line));
    if (line.endsWith(",")) {
      assertTrue(e.getMessage().startsWith("malformed sequence set"), e.getMessage());
    }
  }

  @Test
  void tenThousandNestedParenthesesHitTheNestingBoundNotTheStack() throws Exception {
    String deep = "(".repeat(10_000) + ")".repeat(10_000);
    byte[] line = latin1("* 1 FETCH (UID 1 BODYSTRUCTURE " + deep + ")\r\n");
    // On a thread with a small stack: recursion must stop at the bound, long before the stack ends.
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread t = new Thread(null, () -> {
      try {
        parse(line);
      } catch (Throwable e) {
        thrown.set(e);
      }
    }, "small-stack", 256 * 1024);
    t.start();
    t.join();
    var e = assertInstanceOf(ImapLimitExceededException.class, thrown.get());
    assertEquals("nesting depth", e.bound());
    assertEquals(ImapLimits.DEFAULT_MAX_NESTING_DEPTH + 1, e.actual());
    assertEquals("nesting depth (65) exceeds the allowed maximum (64)", e.getMessage());
  }

  @Test
  void nestingUpToTheBoundIsAccepted() {
    // the BODYSTRUCTURE list itself and 63 inside it: 64 levels, the default bound
    String deep = "(".repeat(63) + "\"x\"" + ")".repeat(63);
    Fetch f = assertInstanceOf(Fetch.class, parse("* 1 FETCH (BODYSTRUCTURE (" + deep + "))"));
    ImapValue v = f.data().bodyStructure();
    int depth = 0;
    while (v instanceof ImapValue.ListValue l) {
      depth++;
      v = l.items().get(0);
    }
    assertEquals(64, depth);
  }

  @Test
  void nestingInASectionSpecIsBoundedToo() {
    String deep = "(".repeat(10_000);
    var e = inEveryMode(ImapLimitExceededException.class, () -> parse("* 1 FETCH (BODY[HEADER.FIELDS " + deep + "] NIL)"));
    assertEquals("nesting depth", e.bound());
  }

  /** Documented behaviour: whatever follows the condition (and code) of a tagged OK is its text, as sent. */
  @Test
  void garbageAfterATaggedOkIsKeptAsText() {
    Tagged t = assertInstanceOf(Tagged.class, parse("A1 OK ]]] {{ garbage ((( \"unbalanced"));
    assertEquals(Condition.OK, t.condition());
    assertNull(t.code());
    assertEquals("]]] {{ garbage ((( \"unbalanced", t.text());

    // Control octets are kept too (only Unknown escapes them): log text through Printable.
    Tagged esc = assertInstanceOf(Tagged.class, parse("A2 OK done\u001b[2J\u0007"));
    assertEquals("done\u001b[2J\u0007", esc.text());
    assertEquals("done\\x1b[2J\\x07", Printable.of(esc.text(), 100));

    // The parser reads one response: octets after its CRLF (never there with the decoder) are ignored.
    Tagged one = assertInstanceOf(Tagged.class, parseRaw(latin1("A3 OK done\r\n* 5 EXISTS\r\n")));
    assertEquals("done", one.text());
  }

  @ParameterizedTest
  @ValueSource(strings = {"* 9223372036854775808 EXISTS", "* 99999999999999999999999 EXISTS",
      "* 1 FETCH (UID 99999999999999999999)", "* 1 FETCH (MODSEQ (18446744073709551616))",
      "* SEARCH 1 9223372036854775808"})
  void numbersThatOverflowALongAreSyntaxErrors(String line) {
    var e = inEveryMode(ImapSyntaxException.class, () -> parse(line));
    assertTrue(e.getMessage().startsWith("number too large"), e.getMessage());
  }

  @Test
  void literalSizeThatOverflowsIsASyntaxError() {
    // 19 digits: used to wrap to a negative long and end in NegativeArraySizeException.
    inEveryMode(ImapSyntaxException.class, () -> parse("* 1 FETCH (BODY[] {9999999999999999999}\r\n)"));
  }

  @Test
  void literalThatOverrunsTheFrameIsASyntaxError() {
    var e = inEveryMode(ImapSyntaxException.class, () -> parse("* 1 FETCH (BODY[] {10}\r\nabc)"));
    assertTrue(e.getMessage().contains("overruns the frame"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"* OK [HIGHESTMODSEQ -1] x", "* OK [UIDNEXT +5] x", "* OK [UIDVALIDITY abc] x",
      "* OK [UIDVALIDITY] x", "* OK [UNSEEN 99999999999999999999] x", "* STATUS INBOX (MESSAGES -3)",
      "A1 OK [COPYUID 1 2] x", "A1 OK [APPENDUID 1] x", "* OK [] x", "* OK [ALERT x"})
  void malformedResponseCodesAreSyntaxErrors(String line) {
    inEveryMode(ImapSyntaxException.class, () -> parse(line));
  }

  @ParameterizedTest
  @ValueSource(strings = {"* STATUS INBOX (NIL 5)", "* STATUS INBOX ((MESSAGES) 5)", "* STATUS INBOX (MESSAGES NIL)",
      "* STATUS INBOX MESSAGES 5", "* LIST () (\"/\") INBOX", "* 1 FETCH (INTERNALDATE (x))",
      "* 1 FETCH (X-GM-MSGID abc)", "* 1 FETCH (EMAILID ((x)))", "A1 PREAUTH hi", "A1 FOO", "", "\r\n", "(",
      "* (", "* 1 FETCH (UID 1 BODY[] ~x)", "* 1 FETCH ((UID 1))"})
  void otherMalformedResponsesAreSyntaxErrors(String line) {
    inEveryMode(ImapSyntaxException.class, () -> parseRaw(latin1(line)));
  }

  // ================================================================ helpers

  private static ImapResponse parse(String text) {
    return parse(latin1(text.endsWith("\n") ? text : text + "\r\n"));
  }

  private static ImapResponse parse(byte[] frame) {
    return parseRaw(frame);
  }

  /** Parses exactly these octets (no CRLF added) from a slice at a non-zero offset, per {@link #MODE}. */
  private static ImapResponse parseRaw(byte[] frame) {
    Frames mode = MODE.get();
    ByteBuf backing = mode == Frames.HEAP ? Unpooled.buffer(frame.length + 8) : Unpooled.directBuffer(frame.length + 8);
    backing.writeBytes(latin1("junk"));
    backing.writeBytes(frame);
    backing.writeBytes(latin1("junk"));
    ImapResponseParser parser = mode == Frames.DIRECT_IN_PLACE
        ? new ImapResponseParser(ImapLimits.DEFAULTS, 0) : new ImapResponseParser(ImapLimits.DEFAULTS);
    try {
      return parser.parse(backing.slice(4, frame.length));
    } finally {
      backing.release();
    }
  }

  /** Asserts that the call throws {@code type}, with the same message, whichever way the frame arrives. */
  private static <T extends Throwable> T inEveryMode(Class<T> type, org.junit.jupiter.api.function.Executable call) {
    T first = null;
    for (Frames mode : Frames.values()) {
      MODE.set(mode);
      try {
        T e = assertThrows(type, call, mode.name());
        if (first == null) {
          first = e;
        } else {
          assertEquals(first.getMessage(), e.getMessage(), mode.name());
        }
      } finally {
        MODE.remove();
      }
    }
    return first;
  }

  private static Arguments fx(String input, ImapResponse expected) {
    return fx(latin1(input.endsWith("\n") ? input : input + "\r\n"), expected);
  }

  private static Arguments fx(byte[] input, ImapResponse expected) {
    String name = new String(input, StandardCharsets.ISO_8859_1);
    return arguments(Printable.of(name, 90), input, expected);
  }

  private static ImapValue.Str str(String s) {
    return new ImapValue.Str(s.getBytes(StandardCharsets.UTF_8), false);
  }

  private static ImapValue.Atom atom(String s) {
    return new ImapValue.Atom(s);
  }

  private static ImapValue.ListValue list(ImapValue... items) {
    return new ImapValue.ListValue(List.of(items));
  }

  @SuppressWarnings("unchecked")
  private static <V> Map<String, V> ordered(Object... kv) {
    Map<String, V> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (V) kv[i + 1]);
    }
    return m;
  }

  private static FetchBuilder fetch(long sequence) {
    return new FetchBuilder(sequence);
  }

  /** The expected {@link Fetch}: absent items null, absent numbers -1, as the parser leaves them. */
  private static final class FetchBuilder {
    private final long sequence;
    private long uid = -1;
    private List<String> flags;
    private long modSeq = -1;
    private String internalDate;
    private long size = -1;
    private ImapValue envelope;
    private ImapValue bodyStructure;
    private Map<String, byte[]> bodies;
    private long gmMessage = -1;
    private long gmThread = -1;
    private List<String> labels;
    private String emailId;
    private String threadId;

    FetchBuilder(long sequence) {
      this.sequence = sequence;
    }

    FetchBuilder uid(long v) { uid = v; return this; }
    FetchBuilder flags(String... v) { flags = List.of(v); return this; }
    FetchBuilder modSeq(long v) { modSeq = v; return this; }
    FetchBuilder internalDate(String v) { internalDate = v; return this; }
    FetchBuilder size(long v) { size = v; return this; }
    FetchBuilder envelope(ImapValue v) { envelope = v; return this; }
    FetchBuilder bodyStructure(ImapValue v) { bodyStructure = v; return this; }
    FetchBuilder gmMessage(long v) { gmMessage = v; return this; }
    FetchBuilder gmThread(long v) { gmThread = v; return this; }
    FetchBuilder labels(String... v) { labels = List.of(v); return this; }
    FetchBuilder emailId(String v) { emailId = v; return this; }
    FetchBuilder threadId(String v) { threadId = v; return this; }

    FetchBuilder body(String section, byte[] octets) {
      if (bodies == null) {
        bodies = new LinkedHashMap<>();
      }
      bodies.put(section, octets);
      return this;
    }

    Fetch build() {
      return new Fetch(sequence, new FetchData(uid, flags, modSeq, internalDate, size, envelope, bodyStructure,
          bodies, gmMessage, gmThread, labels, emailId, threadId));
    }
  }

  /**
   * A text rendering for deep comparison: records by component, arrays by content (octets as
   * escaped ISO-8859-1), sets and maps in sorted order.
   */
  static String canonical(Object o) {
    if (o == null) {
      return "null";
    }
    if (o instanceof byte[] b) {
      return "b\"" + Printable.of(new String(b, StandardCharsets.ISO_8859_1), Integer.MAX_VALUE - 16) + "\"";
    }
    if (o instanceof long[] a) {
      return Arrays.toString(a);
    }
    if (o instanceof Record r) {
      StringBuilder sb = new StringBuilder(r.getClass().getSimpleName()).append('[');
      RecordComponent[] cs = r.getClass().getRecordComponents();
      for (int i = 0; i < cs.length; i++) {
        try {
          sb.append(i > 0 ? ", " : "").append(cs[i].getName()).append('=')
              .append(canonical(cs[i].getAccessor().invoke(r)));
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
      return sb.append(']').toString();
    }
    if (o instanceof List<?> l) {
      return l.stream().map(ImapResponseParserTest::canonical).collect(Collectors.joining(", ", "[", "]"));
    }
    if (o instanceof Collection<?> c) {
      return c.stream().map(ImapResponseParserTest::canonical).sorted().collect(Collectors.joining(", ", "{", "}"));
    }
    if (o instanceof Map<?, ?> m) {
      Map<String, String> sorted = new TreeMap<>();
      m.forEach((k, v) -> sorted.put(canonical(k), canonical(v)));
      return sorted.toString();
    }
    if (o instanceof String s) {
      return "\"" + s + "\"";
    }
    return String.valueOf(o);
  }
}

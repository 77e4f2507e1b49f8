package io.imapsync.imap.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.imap.protocol.ImapCommand.LiteralMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ImapCommand}: how each argument is encoded, how literals split a command into segments. */
class ImapCommandTest {

  private static ImapCommand.Builder cmd(String name) {
    return ImapCommand.builder(name, LiteralMode.SYNCHRONIZING, false);
  }

  private static List<String> segments(ImapCommand c) {
    return c.segments().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  private static String astring(String value) {
    return astring(value, false);
  }

  private static String astring(String value, boolean utf8) {
    ImapCommand c = ImapCommand.builder("X", LiteralMode.LITERAL_PLUS, utf8).sp().astring(value).build();
    String all = String.join("", segments(c));
    return all.substring(2, all.length() - 2); // strip "X " and the final CRLF
  }

  // ---------------------------------------------------------------- atom / quoted / literal

  @ParameterizedTest
  @ValueSource(strings = {"INBOX", "Sent", "a.b-c_d", "~peter/mail/&U,BTFw-", "[Gmail", "$Forwarded", "#news",
      "\u007e"})
  void atomCharactersAreSentBare(String value) {
    assertEquals(value, astring(value));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
      "Sent Items|\"Sent Items\"",
      "''|\"\"",
      "a(b|\"a(b\"",
      "a)b|\"a)b\"",
      "a{b|\"a{b\"",
      "50%|\"50%\"",
      "a*|\"a*\"",
      "a]b|\"a]b\"",
      "[Gmail]/Drafts|\"[Gmail]/Drafts\"",
      "tab\there|\"tab\there\"",
      "del\u007f|\"del\u007f\""})
  void specialsAreQuoted(String value, String wire) {
    assertEquals(wire, astring(value));
  }

  @Test
  void quoteAndBackslashAreEscaped() {
    assertEquals("\"say \\\"hi\\\"\"", astring("say \"hi\""));
    assertEquals("\"C:\\\\dir\\\\\"", astring("C:\\dir\\"));
    assertEquals("\"\\\\\\\"\"", astring("\\\""));
  }

  @Test
  void crOrLfForceALiteral() {
    assertEquals("{5+}\r\na\r\nbc", astring("a\r\nbc"));
    assertEquals("{3+}\r\na\nb", astring("a\nb"));
    assertEquals("{3+}\r\na\rb", astring("a\rb"));
  }

  @Test
  void eightBitIsALiteralUnlessUtf8IsAccepted() {
    assertEquals("{5+}\r\ncaf\u00e9", astring("caf\u00e9")); // 5 octets of UTF-8
    assertEquals("\"caf\u00e9\"", astring("caf\u00e9", true));
  }

  @Test
  void longStringsBecomeLiterals() {
    String k1023 = "a b".repeat(341);
    assertEquals(1023, k1023.length());
    assertEquals("\"" + k1023 + "\"", astring(k1023));
    String k1024 = k1023 + "c";
    assertEquals("{1024+}\r\n" + k1024, astring(k1024));
  }

  @Test
  void nulCannotBeSentAtAll() {
    var b = cmd("LOGIN").sp();
    assertThrows(IllegalArgumentException.class, () -> b.astring("us\u0000er"));
    assertThrows(IllegalArgumentException.class, () -> cmd("APPEND").sp().literal(new byte[] {'a', 0}));
  }

  // ---------------------------------------------------------------- raw protocol text

  @ParameterizedTest
  @ValueSource(strings = {"1:5\r\nA2 DELETE INBOX", "a\nb", "a\rb", "a\u0000b", "caf\u00e9", "\u007f"})
  void rawTextRejectsCrLfNulAndNonAscii(String text) {
    var b = cmd("UID FETCH").sp();
    var e = assertThrows(IllegalArgumentException.class, () -> b.raw(text));
    assertTrue(e.getMessage().contains("UID FETCH"), e.getMessage());
    assertFalse(e.getMessage().contains(text), "the rejected text is not echoed");
  }

  @Test
  void commandNameIsCheckedToo() {
    assertThrows(IllegalArgumentException.class, () -> cmd("NOOP\r\nA2 LOGOUT"));
  }

  @Test
  void rawTextIsCopiedVerbatim() {
    ImapCommand c = cmd("UID FETCH").sp().raw("1:*,7").sp().raw("(UID FLAGS BODY.PEEK[HEADER.FIELDS (FROM)])").build();
    assertEquals(List.of("UID FETCH 1:*,7 (UID FLAGS BODY.PEEK[HEADER.FIELDS (FROM)])\r\n"), segments(c));
  }

  // ---------------------------------------------------------------- literals and segments

  @Test
  void synchronizingLiteralsSplitTheCommand() {
    ImapCommand c = cmd("LOGIN").sp().astring("a\r\nb").sp().astring("p\nw").build();
    assertEquals(List.of("LOGIN {4}\r\n", "a\r\nb {3}\r\n", "p\nw\r\n"), segments(c));
    for (int i = 0; i < c.segments().size() - 1; i++) {
      assertTrue(segments(c).get(i).endsWith("}\r\n"), "each segment but the last waits for '+'");
    }
  }

  @Test
  void literalPlusSendsOneSegment() {
    byte[] message = new byte[100_000];
    Arrays.fill(message, (byte) 'm');
    ImapCommand c = ImapCommand.builder("APPEND", LiteralMode.LITERAL_PLUS, false)
        .sp().astring("INBOX").sp().literal(message).build();
    assertEquals(1, c.segments().size());
    assertTrue(segments(c).get(0).startsWith("APPEND INBOX {100000+}\r\n"));
    assertEquals("APPEND INBOX {100000+}\r\n".length() + 100_000 + 2, c.segments().get(0).length);
  }

  @Test
  void literalMinusIsNonSynchronizingUpTo4096Octets() {
    byte[] k4 = new byte[4096];
    Arrays.fill(k4, (byte) 'x');
    ImapCommand small = ImapCommand.builder("APPEND", LiteralMode.LITERAL_MINUS, false).sp().literal(k4).build();
    assertEquals(1, small.segments().size());
    assertTrue(segments(small).get(0).startsWith("APPEND {4096+}\r\n"));

    byte[] over = new byte[4097];
    Arrays.fill(over, (byte) 'x');
    ImapCommand big = ImapCommand.builder("APPEND", LiteralMode.LITERAL_MINUS, false).sp().literal(over).build();
    assertEquals(2, big.segments().size());
    assertEquals("APPEND {4097}\r\n", segments(big).get(0));
    assertEquals(4097 + 2, big.segments().get(1).length);
  }

  @ParameterizedTest
  @EnumSource(LiteralMode.class)
  void nonSynchronizingDecision(LiteralMode mode) {
    assertEquals(mode != LiteralMode.SYNCHRONIZING, mode.nonSynchronizing(0));
    assertEquals(mode != LiteralMode.SYNCHRONIZING, mode.nonSynchronizing(4096));
    assertEquals(mode == LiteralMode.LITERAL_PLUS, mode.nonSynchronizing(4097));
  }

  @Test
  void emptyLiteral() {
    ImapCommand c = cmd("APPEND").sp().literal(new byte[0]).build();
    assertEquals(List.of("APPEND {0}\r\n", "\r\n"), segments(c));
  }

  // ---------------------------------------------------------------- mailbox names

  @Test
  void mailboxNamesAreModifiedUtf7() {
    ImapCommand c = cmd("SELECT").sp().mailbox("~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e").build();
    assertEquals(List.of("SELECT ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n"), segments(c));
    assertEquals("\"Entw&APw-rfe 2024\"", astring(ModifiedUtf7.encode("Entw\u00fcrfe 2024")));
  }

  @Test
  void mailboxNamesAreUtf8WhenAccepted() {
    ImapCommand c = ImapCommand.builder("SELECT", LiteralMode.SYNCHRONIZING, true)
        .sp().mailbox("~peter/mail/\u53f0\u5317").build();
    assertEquals(List.of("SELECT \"~peter/mail/\u53f0\u5317\"\r\n"), segments(c));
  }

  // ---------------------------------------------------------------- what is shown

  @Test
  void toStringNamesTheCommandOnly() {
    ImapCommand c = cmd("LOGIN").sp().astring("alice@example.org").sp().astring("s3cret pass").build();
    assertEquals("ImapCommand[LOGIN]", c.toString());
    assertEquals("LOGIN", c.name());
    assertFalse(c.isIdle());
    assertTrue(cmd("IDLE").build().isIdle());
  }

  @Test
  void segmentsAreImmutable() {
    ImapCommand c = cmd("NOOP").build();
    assertThrows(UnsupportedOperationException.class, () -> c.segments().add(new byte[0]));
  }
}

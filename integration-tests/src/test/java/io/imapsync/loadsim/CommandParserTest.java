package io.imapsync.loadsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The token level of commands, table-driven, plus sequence sets and FETCH items. */
class CommandParserTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "a1 NOOP|a1|NOOP|0",
      "A2 uid fetch 1:* (FLAGS)|A2|UID FETCH|2",
      "x.y LOGIN \"us er\" pw|x.y|LOGIN|2",
      "t SELECT INBOX (CONDSTORE)|t|SELECT|2",
      "t LIST \"\" *|t|LIST|2",
      "t LIST (SPECIAL-USE) \"\" \"*\" RETURN (SPECIAL-USE)|t|LIST|5",
      "t STORE 2:4 +FLAGS.SILENT (\\Seen \\Flagged)|t|STORE|3",
      "t ID NIL|t|ID|1",
      "t UID SEARCH UID 1:100 MODSEQ 5|t|UID SEARCH|4",
  })
  void parses(String line, String tag, String name, int args) {
    Command c = CommandParser.parse(line + "\r\n");
    assertEquals(tag, c.tag());
    assertEquals(name, c.name());
    assertEquals(args, c.args().size());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "NOOP",
      "a",
      "a LOGIN \"unterminated",
      "a LOGIN \"bad\\escape\"",
      "a FETCH 1 (FLAGS",
      "a FETCH 1 FLAGS)",
      "a FETCH 1 BODY[HEADER",
      "+a NOOP",
      "a  NOOP",
  })
  void rejects(String line) {
    assertThrows(CommandSyntaxException.class, () -> CommandParser.parse(line + "\r\n"));
  }

  @Test
  void quotedStringsUnescapeAndKeepUtf8() {
    Command c = CommandParser.parse("a LOGIN \"J\\\"o\\\\e\" \"pässwörd\"\r\n");
    assertEquals("J\"o\\e", c.astring(0));
    assertEquals("pässwörd", c.astring(1));
  }

  @Test
  void listsNestAndSectionsStayInsideTheirAtom() {
    Command c = CommandParser.parse("a UID FETCH 1,3:5 (UID BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.512> FLAGS) (CHANGEDSINCE 7)\r\n");
    Command.ListArg items = assertInstanceOf(Command.ListArg.class, c.arg(1));
    assertEquals(List.of("UID", "BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.512>", "FLAGS"),
        items.items().stream().map(Command.Arg::text).toList());
    List<FetchItems.Item> parsed = FetchItems.parse(items);
    FetchItems.Section s = assertInstanceOf(FetchItems.Section.class, parsed.get(1));
    assertEquals(FetchItems.Kind.HEADER_FIELDS, s.kind());
    assertEquals(List.of("FROM", "TO"), s.fields());
    assertEquals(0, s.start());
    assertEquals(512, s.length());
    assertEquals("BODY[HEADER.FIELDS (FROM TO)]<0>", s.responseName());
    assertTrue(!s.setsSeen());
  }

  @Test
  void nestingIsCapped() {
    String deep = "(".repeat(CommandParser.MAX_DEPTH + 1) + ")".repeat(CommandParser.MAX_DEPTH + 1);
    CommandSyntaxException e = assertThrows(CommandSyntaxException.class,
        () -> CommandParser.parse("a SEARCH " + deep + "\r\n"));
    assertTrue(e.getMessage().contains("exceeds the allowed maximum"), e.getMessage());
  }

  @Test
  void tagOfABrokenCommand() {
    assertEquals("abc", CommandParser.tagOf(Unpooled.copiedBuffer("abc FETCH (\r\n", StandardCharsets.US_ASCII)));
    assertEquals("*", CommandParser.tagOf(Unpooled.copiedBuffer(" x\r\n", StandardCharsets.US_ASCII)));
  }

  @Test
  void sequenceSetsResolveStarAndMerge() {
    NumberSet.Resolved r = NumberSet.parse("5:*,1,2,3,9").resolve(7);
    assertTrue(r.contains(1) && r.contains(3) && r.contains(5) && r.contains(7));
    assertTrue(!r.contains(4) && !r.contains(8) && r.contains(9));
    // "n:*" past the end still names the last one (RFC 9051 §6.4.8).
    NumberSet.Resolved past = NumberSet.parse("10:*").resolve(7);
    assertTrue(past.contains(7) && past.contains(10) && !past.contains(6));
    assertTrue(NumberSet.parse("*").resolve(0).isEmpty());
    assertThrows(CommandSyntaxException.class, () -> NumberSet.parse("0:3"));
    assertThrows(CommandSyntaxException.class, () -> NumberSet.parse("1,,2"));
    assertThrows(CommandSyntaxException.class, () -> NumberSet.parse("99999999999"));
    assertEquals("1:3,7,9:10", NumberSet.Resolved.format(new long[] {1, 2, 3, 7, 9, 10}, 6));
  }
}

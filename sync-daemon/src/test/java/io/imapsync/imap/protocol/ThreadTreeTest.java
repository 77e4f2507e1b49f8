package io.imapsync.imap.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.imap.protocol.ThreadTree.Node;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ThreadTreeTest {

  @Test
  void rfc5256Example() {
    // RFC 5256 section 4: (2)(3 6 (4 23)(44 7 96))
    List<ThreadTree> t = ThreadTree.parseAll("(2)(3 6 (4 23)(44 7 96))");
    assertEquals(2, t.size());
    assertEquals(List.of(new Node(2, -1)), t.get(0).nodes());
    assertEquals(List.of(new Node(3, -1), new Node(6, 0), new Node(4, 1), new Node(23, 2), new Node(44, 1),
        new Node(7, 4), new Node(96, 5)), t.get(1).nodes());
    assertEquals(List.of(3L, 6L, 4L, 23L, 44L, 7L, 96L), t.get(1).members());
  }

  @Test
  void dummyParents() {
    List<ThreadTree> t = ThreadTree.parseAll("((3)(5))(1 ((2)(4)))");
    assertEquals(List.of(new Node(0, -1), new Node(3, 0), new Node(5, 0)), t.get(0).nodes());
    assertEquals(List.of(3L, 5L), t.get(0).members());
    assertEquals(List.of(new Node(1, -1), new Node(0, 0), new Node(2, 1), new Node(4, 1)), t.get(1).nodes());
  }

  @Test
  void emptyResult() {
    assertTrue(ThreadTree.parseAll("").isEmpty());
  }

  @Test
  void deepNestingNeedsNoRecursion() {
    StringBuilder sb = new StringBuilder();
    int depth = 50_000;
    for (int i = 1; i <= depth; i++) {
      sb.append("(").append(i).append(' ');
    }
    sb.setLength(sb.length() - 1);
    sb.append(")".repeat(depth));
    List<ThreadTree> t = ThreadTree.parseAll(sb.toString());
    assertEquals(depth, t.get(0).members().size());
    assertEquals(depth - 2, t.get(0).nodes().get(depth - 1).parent());
  }

  @ParameterizedTest
  @ValueSource(strings = {"(1", "1)", "(1))", "()", "(0)", "((1)2)", "(1 x)", "(12345678901)", "3"})
  void malformed(String text) {
    assertThrows(ImapSyntaxException.class, () -> ThreadTree.parseAll(text));
  }

  @Test
  void parserTypesTheThreadResponse() {
    ByteBuf frame = Unpooled.copiedBuffer("* THREAD (2 (1)(3 4 5 6))((7)(8))\r\n", StandardCharsets.US_ASCII);
    try {
      ImapResponse r = new ImapResponseParser().parse(frame);
      ImapResponse.Thread thread = assertInstanceOf(ImapResponse.Thread.class, r);
      assertEquals(2, thread.threads().size());
      assertEquals(List.of(2L, 1L, 3L, 4L, 5L, 6L), thread.threads().get(0).members());
      assertEquals(List.of(7L, 8L), thread.threads().get(1).members());
    } finally {
      frame.release();
    }
  }

  @Test
  void parserTypesAnEmptyThreadResponse() {
    ByteBuf frame = Unpooled.copiedBuffer("* THREAD\r\n", StandardCharsets.US_ASCII);
    try {
      ImapResponse.Thread thread = assertInstanceOf(ImapResponse.Thread.class, new ImapResponseParser().parse(frame));
      assertTrue(thread.threads().isEmpty());
    } finally {
      frame.release();
    }
  }
}

package io.imapsync.loadsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The framing decoder and the command parser behind it, fed whole, split and byte by byte. */
class CommandFrameDecoderTest {
  private EmbeddedChannel ch = new EmbeddedChannel(new CommandFrameDecoder(1024, 100, 4096));

  @AfterEach
  void nothingLeftOver() {
    Object o;
    while ((o = ch.readInbound()) != null) {
      io.netty.util.ReferenceCountUtil.release(o);
      throw new AssertionError("unread frame left: " + o);
    }
    ch.finishAndReleaseAll();
  }

  private void feed(String s) {
    ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
  }

  private void feedByteByByte(String s) {
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
  }

  /** The next frame as text, after any CONTINUE markers (counted into {@code continues}). */
  private String frame(List<Object> markers) {
    while (true) {
      Object o = ch.readInbound();
      if (o == null) {
        return null;
      }
      if (o instanceof ByteBuf b) {
        try {
          return b.toString(StandardCharsets.UTF_8);
        } finally {
          b.release();
        }
      }
      markers.add(o);
    }
  }

  @Test
  void aLineIsAFrame() {
    feed("a1 NOOP\r\nb2 CAPABILITY\r\n");
    List<Object> markers = new ArrayList<>();
    assertEquals("a1 NOOP\r\n", frame(markers));
    assertEquals("b2 CAPABILITY\r\n", frame(markers));
    assertTrue(markers.isEmpty());
  }

  @Test
  void aSynchronizingLiteralAsksToContinueAndIsPartOfTheFrame() {
    List<Object> markers = new ArrayList<>();
    feed("a LOGIN {9}\r\n");
    assertNull(frame(markers));
    assertEquals(List.of(CommandFrameDecoder.CONTINUE), markers);
    feed("user00001 {2}\r\n");
    assertNull(frame(markers));
    assertEquals(2, markers.size());
    feed("pw\r\n");
    String f = frame(markers);
    assertEquals("a LOGIN {9}\r\nuser00001 {2}\r\npw\r\n", f);
    Command c = CommandParser.parse(f);
    assertEquals("LOGIN", c.name());
    assertEquals("user00001", c.astring(0));
    assertEquals("pw", c.astring(1));
  }

  @Test
  void literalPlusDoesNotAskToContinue() {
    List<Object> markers = new ArrayList<>();
    feed("a LOGIN {9+}\r\nuser00001 {2+}\r\npw\r\n");
    assertEquals("a LOGIN {9+}\r\nuser00001 {2+}\r\npw\r\n", frame(markers));
    assertTrue(markers.isEmpty());
  }

  @Test
  void aCommandTricklingInByteByByteIsFramedOnce() {
    String cmd = "x1 LOGIN {9+}\r\nuser00001 \"p\\\"w{3}\"\r\nx2 UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (From)])\r\n";
    feedByteByByte(cmd);
    List<Object> markers = new ArrayList<>();
    String first = frame(markers);
    assertEquals("x1 LOGIN {9+}\r\nuser00001 \"p\\\"w{3}\"\r\n", first);
    assertEquals("p\"w{3}", CommandParser.parse(first).astring(1));
    String second = frame(markers);
    Command c = CommandParser.parse(second);
    assertEquals("UID FETCH", c.name());
    assertEquals("BODY.PEEK[HEADER.FIELDS (From)]", ((Command.ListArg) c.arg(1)).items().get(0).text());
    assertTrue(markers.isEmpty());
  }

  @Test
  void aLiteralSplitAcrossReadsWaitsForAllItsOctets() {
    List<Object> markers = new ArrayList<>();
    feed("a LOGIN {9}\r\nuser");
    assertNull(frame(markers));
    feed("00001 pw");
    assertNull(frame(markers));
    feed("\r\n");
    assertEquals("a LOGIN {9}\r\nuser00001 pw\r\n", frame(markers));
  }

  @Test
  void aLiteralMayHoldCrLfAndBraces() {
    List<Object> markers = new ArrayList<>();
    feed("a LOGIN u {7+}\r\n{1}\r\n\r\n\r\n");
    Command c = CommandParser.parse(frame(markers));
    assertEquals("{1}\r\n\r\n", c.astring(1));
  }

  @Test
  void anOversizedSynchronizingLiteralIsRefusedAndTheStreamGoesOn() {
    List<Object> markers = new ArrayList<>();
    feed("big LOGIN {101}\r\nb NOOP\r\n");
    String next = frame(markers);
    assertEquals(1, markers.size());
    CommandFrameDecoder.LiteralRefused r = assertInstanceOf(CommandFrameDecoder.LiteralRefused.class, markers.get(0));
    assertEquals("big", r.tag());
    assertEquals(101, r.size());
    assertEquals(100, r.maximum());
    assertEquals("b NOOP\r\n", next);
  }

  @Test
  void anOversizedNonSynchronizingLiteralFailsTheStream() {
    DecoderException e = assertThrows(DecoderException.class, () -> feed("big LOGIN {101+}\r\n"));
    assertInstanceOf(CommandFrameDecoder.FrameTooLargeException.class, e);
    assertTrue(e.getMessage().contains("(101) exceeds the allowed maximum (100)"), e.getMessage());
    feed("b NOOP\r\n"); // no longer framed: the session closes the connection
    assertNull(frame(new ArrayList<>()));
  }

  @Test
  void aLineWithoutEndOverTheLimitFailsEvenBeforeItsLf() {
    String longLine = "a " + "x".repeat(1100);
    DecoderException e = assertThrows(DecoderException.class, () -> feed(longLine));
    assertTrue(e.getMessage().startsWith("line length"), e.getMessage());
  }

  @Test
  void aHugeDeclaredSizeIsRefusedWithoutBeingParsedAsANumber() {
    List<Object> markers = new ArrayList<>();
    feed("a LOGIN {99999999999999999999}\r\n");
    assertNull(frame(markers));
    assertInstanceOf(CommandFrameDecoder.LiteralRefused.class, markers.get(0));
  }

  @Test
  void anIdleConnectionHoldsNoInputBuffer() {
    feed("a NOOP\r\n");
    assertEquals("a NOOP\r\n", frame(new ArrayList<>()));
    CommandFrameDecoder d = ch.pipeline().get(CommandFrameDecoder.class);
    assertEquals(0, d.buffered());
  }

  @Test
  void continueIsOneSharedMarker() {
    List<Object> markers = new ArrayList<>();
    feed("a LOGIN {1}\r\n");
    frame(markers);
    assertSame(CommandFrameDecoder.CONTINUE, markers.get(0));
    feed("u pw\r\n");
    assertEquals("a LOGIN {1}\r\nu pw\r\n", frame(markers));
  }
}

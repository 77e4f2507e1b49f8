package io.imapsync.imap.protocol;

import static io.imapsync.imap.protocol.Transcript.latin1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ImapFrameDecoder} through an {@link io.netty.channel.embedded.EmbeddedChannel}: real
 * responses frame byte for byte however the stream is split; hostile streams fail on the bound
 * they cross, with the actual and the maximum, holding no more than that bound; nothing leaks.
 */
class ImapFrameDecoderTest {

  /** Set -Dimap.test.seed=N to replay a failing random-chunk run. */
  private static final long SEED = Long.getLong("imap.test.seed", System.nanoTime());

  private final List<DecoderChannel> channels = new ArrayList<>();

  @BeforeAll
  static void paranoidLeakDetection() {
    LeakWatch.paranoid();
  }

  @AfterAll
  static void noLeaksReported() throws InterruptedException {
    try {
      LeakWatch.assertNoLeaksReported();
    } finally {
      LeakWatch.restore();
    }
  }

  @AfterEach
  void nothingLeftOver() {
    for (DecoderChannel ch : channels) {
      ch.assertClean();
    }
  }

  private DecoderChannel channel(ImapLimits limits) {
    DecoderChannel ch = new DecoderChannel(limits);
    channels.add(ch);
    return ch;
  }

  private DecoderChannel channel() {
    return channel(ImapLimits.DEFAULTS);
  }

  static List<Transcript.Response> responses() {
    return Transcript.all();
  }

  // ---------------------------------------------------------------- real responses

  @ParameterizedTest(name = "{0}")
  @MethodSource("responses")
  void eachResponseIsExactlyOneFrame(Transcript.Response r) {
    List<byte[]> frames = channel().write(r.bytes());
    assertEquals(1, frames.size(), "frames for " + r.name());
    assertArrayEquals(r.bytes(), frames.get(0));
  }

  @Test
  void literalContentIsNotInterpreted() {
    // The BODY[] literal holds "{5}", "* 3 EXISTS" and ")" lines: none may end the frame.
    Transcript.Response body = Transcript.all().stream()
        .filter(r -> r.name().equals("body[] literal")).findFirst().orElseThrow();
    DecoderChannel ch = channel();
    List<byte[]> frames = new ArrayList<>();
    for (byte b : body.bytes()) {
      frames.addAll(ch.write(new byte[] {b}));
    }
    assertEquals(1, frames.size());
    assertArrayEquals(body.bytes(), frames.get(0));
  }

  @Test
  void wholeTranscriptInOneRead() {
    assertFrames(expectedFrames(), channel().write(Transcript.whole()));
  }

  // ---------------------------------------------------------------- fragmentation

  @Test
  void splitAtEveryByteBoundary() {
    byte[] all = Transcript.whole();
    List<byte[]> expected = expectedFrames();
    for (int cut = 1; cut < all.length; cut++) {
      DecoderChannel ch = new DecoderChannel(false, ImapLimits.DEFAULTS);
      List<byte[]> frames = new ArrayList<>(ch.write(all, 0, cut));
      frames.addAll(ch.write(all, cut, all.length - cut));
      assertFrames(expected, frames, "split at " + cut);
      ch.assertClean();
    }
  }

  @Test
  void oneByteAtATime() {
    byte[] all = Transcript.whole();
    DecoderChannel ch = channel();
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < all.length; i++) {
      frames.addAll(ch.write(all, i, 1));
    }
    assertFrames(expectedFrames(), frames);
  }

  @Test
  void randomChunkSizes() {
    System.out.println("ImapFrameDecoderTest.randomChunkSizes seed=" + SEED + " (replay with -Dimap.test.seed=" + SEED + ")");
    byte[] all = Transcript.whole();
    List<byte[]> expected = expectedFrames();
    SplittableRandom random = new SplittableRandom(SEED);
    for (int run = 0; run < 300; run++) {
      int maxChunk = 1 + random.nextInt(run % 3 == 0 ? 16 : 700);
      DecoderChannel ch = new DecoderChannel(false, ImapLimits.DEFAULTS);
      List<byte[]> frames = new ArrayList<>();
      List<Integer> cuts = new ArrayList<>();
      for (int off = 0; off < all.length; ) {
        int n = Math.min(all.length - off, 1 + random.nextInt(maxChunk));
        frames.addAll(ch.write(all, off, n));
        off += n;
        cuts.add(off);
      }
      assertFrames(expected, frames, "seed " + SEED + ", run " + run + ", cuts " + cuts);
      ch.assertClean();
    }
  }

  // ---------------------------------------------------------------- hostile input

  @Test
  void literalOfTenToTheElevenOctetsIsRefusedBeforeBuffering() {
    DecoderChannel ch = channel();
    var e = assertThrows(ImapLimitExceededException.class,
        () -> ch.write(latin1("* 1 FETCH (UID 7 BODY[] {100000000000}\r\n")));
    assertEquals("literal size", e.bound());
    assertEquals(100_000_000_000L, e.actual());
    assertEquals(ImapLimits.DEFAULT_MAX_LITERAL_SIZE, e.maximum());
    assertEquals("literal size (100000000000) exceeds the allowed maximum (67108864)", e.getMessage());
    assertEquals(0, ch.bytesHeld(), "the header that declared the literal is dropped at once");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1000000000000000000000000000000", "9999999999999999999", "00000000000000000000000005"})
  void literalSizeWithTooManyDigitsIsReportedNotOverflowed(String digits) {
    DecoderChannel ch = channel();
    var e = assertThrows(ImapLimitExceededException.class,
        () -> ch.write(latin1("* 1 FETCH (BODY[] {" + digits + "}\r\n")));
    assertEquals("literal size", e.bound());
    assertEquals(Long.MAX_VALUE, e.actual(), "saturated, never wrapped");
    assertEquals("literal size (a number of " + digits.length() + " digits) exceeds the allowed maximum (67108864)",
        e.getMessage());
  }

  @Test
  void eighteenDigitLiteralSizeIsParsedExactly() {
    var e = assertThrows(ImapLimitExceededException.class,
        () -> channel().write(latin1("* 1 FETCH (BODY[] {999999999999999999}\r\n")));
    assertEquals(999_999_999_999_999_999L, e.actual());
  }

  @Test
  void lineWithoutNewlineFailsAsSoonAsTheBoundIsCrossed() {
    // 80 KB with no LF, in 1 KiB reads, against the 64 KiB default line bound.
    DecoderChannel ch = channel();
    byte[] kib = new byte[1024];
    Arrays.fill(kib, (byte) 'a');
    int max = ImapLimits.DEFAULT_MAX_LINE_LENGTH;
    int written = 0;
    for (int i = 0; i < 80; i++) {
      if (written + kib.length <= max) {
        assertEquals(List.of(), ch.write(kib));
        written += kib.length;
        assertTrue(ch.bytesHeld() <= 2L * max, "held " + ch.bytesHeld() + " octets below the bound");
        continue;
      }
      var e = assertThrows(ImapLimitExceededException.class, () -> ch.write(kib));
      assertEquals("line length (" + (max + 1024) + ") exceeds the allowed maximum (" + max + ")", e.getMessage());
      assertEquals(64, i, "failed on the read that crossed the bound");
      assertEquals(0, ch.bytesHeld(), "buffered line dropped at the failure");
      // The rest of the 80 KB, and then a well-formed response: discarded, silently, unbuffered.
      for (int j = i + 1; j < 80; j++) {
        assertEquals(List.of(), ch.write(kib));
        assertEquals(0, ch.bytesHeld());
      }
      assertEquals(List.of(), ch.write(latin1("* 1 EXISTS\r\n")));
      return;
    }
    throw new AssertionError("never failed");
  }

  @Test
  void lineLengthBoundIsInclusive() {
    ImapLimits limits = limits(1024, 1 << 20, 16, 1 << 21);
    byte[] exact = latin1("* OK " + "x".repeat(1024 - 7) + "\r\n");
    assertEquals(1024, exact.length);
    assertEquals(1, channel(limits).write(exact).size());
    byte[] over = latin1("* OK " + "x".repeat(1024 - 6) + "\r\n");
    var e = assertThrows(ImapLimitExceededException.class, () -> channel(limits).write(over));
    assertEquals("line length", e.bound());
    assertEquals(1025, e.actual());
  }

  @Test
  void lineBoundAppliesToEachLineBetweenLiterals() {
    ImapLimits limits = limits(1024, 1 << 20, 16, 1 << 21);
    byte[] ok = latin1("* 1 FETCH (A {1}\r\nx " + "y".repeat(1000) + " {1}\r\nz)\r\n");
    assertEquals(1, channel(limits).write(ok).size(), "total line octets may exceed the bound");
    byte[] bad = latin1("* 1 FETCH (A {1}\r\nx " + "y".repeat(1030) + " {1}\r\nz)\r\n");
    var e = assertThrows(ImapLimitExceededException.class, () -> channel(limits).write(bad));
    assertEquals("line length", e.bound());
  }

  @Test
  void tooManyLiteralsInOneResponse() {
    ImapLimits limits = limits(1024, 1024, 3, 1 << 20);
    String three = "* 1 FETCH (A {1}\r\nx B {1}\r\nx C {1}\r\nx)\r\n";
    DecoderChannel ch = channel(limits);
    assertEquals(2, ch.write(latin1(three + three)).size(), "the count restarts with each response");
    var e = assertThrows(ImapLimitExceededException.class,
        () -> ch.write(latin1("* 2 FETCH (A {1}\r\nx B {1}\r\nx C {1}\r\nx D {1}\r\nx)\r\n")));
    assertEquals("literals per response (4) exceeds the allowed maximum (3)", e.getMessage());
    assertEquals(0, ch.bytesHeld());
  }

  @Test
  void responseSizeBoundCountsLinesAndLiterals() {
    ImapLimits limits = limits(1024, 8192, 16, 4096);
    String head = "* 1 FETCH (BODY[] {4090}\r\n";
    var e = assertThrows(ImapLimitExceededException.class, () -> channel(limits).write(latin1(head)));
    assertEquals("response size", e.bound());
    assertEquals(head.length() + 4090, e.actual());
    assertEquals(4096, e.maximum());
  }

  @Test
  void responseSizeBoundCountsTheLineAfterTheLastLiteral() {
    // A 3500-octet literal fits; the 1000-octet line after it takes the response past 4096.
    ImapLimits limits = limits(1024, 8192, 16, 4096);
    byte[] response = Transcript.concat(latin1("* 1 FETCH (BODY[] {3500}\r\n"), new byte[3500],
        latin1(" X " + "y".repeat(1000) + ")\r\n"));
    DecoderChannel ch = channel(limits);
    var e = assertThrows(ImapLimitExceededException.class, () -> ch.write(response));
    assertEquals("response size", e.bound());
    assertTrue(e.actual() > 4096);
    assertEquals(0, ch.bytesHeld());
  }

  @Test
  void unterminatedLiteralThenCloseEmitsNothingAndFreesEverything() {
    DecoderChannel ch = channel();
    assertEquals(List.of(), ch.write(latin1("* 1 FETCH (UID 9 BODY[] {100}\r\nonly a few octets")));
    assertTrue(ch.bytesHeld() > 0);
    // assertClean (in @AfterEach) closes the channel: decodeLast must emit no partial frame.
  }

  @Test
  void unterminatedLineThenCloseEmitsNothing() {
    DecoderChannel ch = channel();
    assertEquals(List.of(), ch.write(latin1("* 1 EXIS")));
  }

  @Test
  void afterAFailureFurtherInputIsDiscarded() {
    DecoderChannel ch = channel();
    // A complete response in the same read before the bad one is still delivered.
    var before = new ArrayList<byte[]>();
    assertThrows(ImapLimitExceededException.class, () -> before.addAll(
        ch.write(latin1("* 1 EXISTS\r\n* 2 FETCH (BODY[] {100000000000}\r\n"))));
    assertEquals(1, ch.drain().size(), "the frame before the failure");
    for (int i = 0; i < 3; i++) {
      assertEquals(List.of(), ch.write(latin1("* 3 EXISTS\r\nA1 OK done\r\n")));
      assertEquals(0, ch.bytesHeld());
    }
  }

  @Test
  void limitsRejectFramesAByteBufCannotHold() {
    assertThrows(IllegalArgumentException.class, () -> limits(1024, 1024, 1, 3L << 30));
  }

  // ---------------------------------------------------------------- helpers

  private static ImapLimits limits(int line, long literal, int literals, long response) {
    return new ImapLimits(line, literal, literals, response, ImapLimits.DEFAULT_MAX_NESTING_DEPTH);
  }

  private static List<byte[]> expectedFrames() {
    return Transcript.all().stream().map(Transcript.Response::bytes).toList();
  }

  private static void assertFrames(List<byte[]> expected, List<byte[]> actual) {
    assertFrames(expected, actual, "");
  }

  private static void assertFrames(List<byte[]> expected, List<byte[]> actual, String context) {
    assertEquals(expected.size(), actual.size(), "frame count " + context);
    for (int i = 0; i < expected.size(); i++) {
      int n = i;
      assertArrayEquals(expected.get(i), actual.get(i), () -> "frame " + n + " " + context);
    }
  }
}

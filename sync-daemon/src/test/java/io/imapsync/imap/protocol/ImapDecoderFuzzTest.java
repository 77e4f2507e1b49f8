package io.imapsync.imap.protocol;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fuzz target: an arbitrary server byte stream, in arbitrary reads, through {@link ImapFrameDecoder}
 * and {@link ImapResponseParser} on an {@link EmbeddedChannel}, with small limits so the fuzzer
 * reaches every bound.
 *
 * <p>Acceptable outcomes are responses, {@link ImapSyntaxException} and {@link
 * ImapLimitExceededException} (unwrapped from Netty's {@link DecoderException}). Findings: any
 * other exception; a buffer still allocated after the channel closes; a frame after the decoder
 * failed; frames that are not the stream's own octets, in order, each ending in LF; and framing or
 * parse results that change when the same stream arrives in different reads (it is decoded once
 * in a single read, once in the fuzzer's chunks, and the two must agree). The two runs also hand
 * the parser its frames differently (a heap buffer read through its array; a view without an
 * array, copied or read in place), so the parser's read paths are compared too.
 *
 * <p>Input layout: {@link FuzzedDataProvider} takes integers from the end, so the last 4 octets
 * choose the read sizes and everything before them is the stream. The seeds in {@code
 * ImapDecoderFuzzTestInputs/} are real responses followed by 4 such octets.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the seeds (and any crash files Jazzer saved there)
 * as a regression test. To fuzz: {@code .ci/fuzz 5m}, or {@code JAZZER_FUZZ=1
 * JAZZER_MAX_DURATION=5m ./mvnw -o -pl sync-daemon test -Dtest=ImapDecoderFuzzTest}; the
 * annotation's 60s is only the default.
 */
class ImapDecoderFuzzTest {

  /** Small bounds (line length cannot go below 1024) so short inputs cross each of them. */
  static final ImapLimits LIMITS = new ImapLimits(1024, 1536, 4, 2048, 8);

  private static final int[] MAX_READ = {1, 2, 7, 64, 512, Integer.MAX_VALUE};

  @FuzzTest(maxDuration = "60s")
  void decodeAndParse(FuzzedDataProvider data) {
    int chunking = data.consumeInt();
    byte[] stream = data.consumeRemainingAsBytes();

    Outcome whole = run(stream, new SplittableRandom(0), Integer.MAX_VALUE, new Collector(false, ImapResponseParser.COPY_LIMIT));
    SplittableRandom random = new SplittableRandom(chunking);
    int maxRead = MAX_READ[Math.floorMod(chunking, MAX_READ.length)];
    int copyLimit = (chunking & 0x100) == 0 ? 0 : ImapResponseParser.COPY_LIMIT;
    Outcome chunked = run(stream, random, maxRead, new Collector(true, copyLimit));

    if (!whole.events.equals(chunked.events) || whole.decoderFailed != chunked.decoderFailed) {
      throw new AssertionError("outcome depends on read boundaries:\n  one read: " + whole + "\n  chunked:  " + chunked);
    }
  }

  /** What the pipeline made of a stream: frame lengths and parse results (or errors), in order. */
  record Outcome(List<String> events, boolean decoderFailed) {}

  private static Outcome run(byte[] stream, SplittableRandom random, int maxRead, Collector collector) {
    UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true, false);
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.config().setAllocator(alloc);
    ch.pipeline().addLast(new ImapFrameDecoder(LIMITS), collector);
    try {
      for (int off = 0; off < stream.length; ) {
        int n = Math.min(stream.length - off, maxRead == Integer.MAX_VALUE ? stream.length : 1 + random.nextInt(maxRead));
        ByteBuf in = alloc.heapBuffer(n);
        in.writeBytes(stream, off, n);
        ch.writeInbound(in);
        off += n;
      }
    } finally {
      ch.finishAndReleaseAll();
    }
    if (collector.finding != null) {
      rethrow(collector.finding);
    }
    long held = alloc.metric().usedHeapMemory() + alloc.metric().usedDirectMemory();
    if (held != 0) {
      throw new AssertionError("leak: " + held + " octets still allocated after close");
    }
    byte[] framed = collector.framed.toByteArray();
    if (framed.length > stream.length || !Arrays.equals(framed, 0, framed.length, stream, 0, framed.length)) {
      throw new AssertionError("frames are not the stream's octets in order");
    }
    return new Outcome(collector.events, collector.decoderFailed);
  }

  private static void rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new AssertionError(t);
  }

  /** Parses each frame, releases it, and keeps outcomes instead of letting exceptions propagate. */
  private static final class Collector extends ChannelInboundHandlerAdapter {
    final ImapResponseParser parser;
    final boolean withoutArray;
    final List<String> events = new ArrayList<>();
    final ByteArrayOutputStream framed = new ByteArrayOutputStream();
    boolean decoderFailed;
    Throwable finding;

    /**
     * @param withoutArray parse a read-only view, which has no array: the parser copies it (up to
     *     {@code copyLimit} octets) or reads it in place
     */
    Collector(boolean withoutArray, int copyLimit) {
      this.withoutArray = withoutArray;
      this.parser = new ImapResponseParser(LIMITS, copyLimit);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf frame = (ByteBuf) msg;
      try {
        if (decoderFailed) {
          throw new AssertionError("a frame after the decoder failed");
        }
        int n = frame.readableBytes();
        if (n == 0 || frame.getByte(frame.writerIndex() - 1) != '\n' || n > LIMITS.maxResponseSize()) {
          throw new AssertionError("bad frame of " + n + " octets");
        }
        framed.writeBytes(ByteBufUtil.getBytes(frame));
        String event;
        try {
          event = ImapResponseParserTest.canonical(parser.parse(withoutArray ? frame.asReadOnly() : frame));
        } catch (ImapSyntaxException | ImapLimitExceededException e) {
          event = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        events.add(n + ":" + event);
      } catch (Throwable t) {
        if (finding == null) {
          finding = t;
        }
      } finally {
        frame.release();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Throwable c = cause;
      while (c instanceof DecoderException && !(c instanceof ImapLimitExceededException)
          && !(c instanceof ImapSyntaxException) && c.getCause() != null) {
        c = c.getCause();
      }
      if (c instanceof ImapLimitExceededException) {
        decoderFailed = true;
      } else if (finding == null) {
        finding = cause;
      }
    }
  }
}

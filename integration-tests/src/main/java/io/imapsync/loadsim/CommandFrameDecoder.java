package io.imapsync.loadsim;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Frames a client's byte stream into whole commands: a line, and for every {@code {n}} or
 * {@code {n+}} (LITERAL+) at a line's end, the n literal octets and the line that continues after
 * them. Each command is passed on as one retained {@link ByteBuf} slice, CRLFs included, so the
 * {@link CommandParser} never sees half a command. Lines that are not commands (IDLE's DONE, an
 * AUTHENTICATE response) are frames too; the session knows which it expects.
 *
 * <p>A synchronizing literal needs the server's go-ahead: the decoder passes on
 * {@link #CONTINUE} and the session answers {@code + Ready} (or, stalled, does not). One the
 * limits forbid is passed on as {@link LiteralRefused} instead: the client sends nothing more of
 * that command and the session answers its tag with BAD. Anything else over a limit (a line, a
 * LITERAL+ literal the client sends anyway, a whole command) cannot be skipped reliably and throws
 * {@link FrameTooLargeException}; the session says BYE and closes.
 *
 * <p>An explicit state machine: {@link State#LINE} scans for LF from where the last call stopped,
 * so a command trickling in byte by byte costs O(n); {@link State#LITERAL} waits until the
 * declared octets are buffered; {@link State#FAILED}, after a bound was crossed, discards all.
 * Once a frame is passed on, nothing of it stays buffered: an idle connection holds no input
 * buffer.
 */
final class CommandFrameDecoder extends ByteToMessageDecoder {
  /** Passed on when the client waits for a continuation request before sending a literal. */
  static final Object CONTINUE = new Object() {
    @Override
    public String toString() {
      return "CONTINUE";
    }
  };

  /** A synchronizing literal larger than allowed; the client waits, the tag gets a BAD. */
  record LiteralRefused(String tag, long size, long maximum) {}

  /** A line, literal or command over its bound; the stream cannot be framed any more. */
  static final class FrameTooLargeException extends DecoderException {
    FrameTooLargeException(String what, long actual, long maximum) {
      super(what + " (" + actual + ") exceeds the allowed maximum (" + maximum + ")");
    }
  }

  private enum State { LINE, LITERAL, FAILED }

  private final int maxLineLength;
  private final int maxLiteralSize;
  private final int maxCommandSize;
  private State state = State.LINE;
  /** Offset from the reader index of the first byte not yet scanned for LF. */
  private int scanned;
  /** Offset from the reader index where the current line (segment) of the command starts. */
  private int segmentStart;
  /** Offset from the reader index just past the literal being awaited. */
  private long literalEnd;

  CommandFrameDecoder(int maxLineLength, int maxLiteralSize, int maxCommandSize) {
    this.maxLineLength = maxLineLength;
    this.maxLiteralSize = maxLiteralSize;
    this.maxCommandSize = maxCommandSize;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (state == State.FAILED) {
      in.skipBytes(in.readableBytes()); // the stream cannot be framed any more; the session closes it
      return;
    }
    try {
      decodeFrames(ctx, in, out);
    } catch (FrameTooLargeException e) {
      state = State.FAILED;
      in.skipBytes(in.readableBytes());
      throw e;
    }
  }

  private void decodeFrames(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (true) {
      if (state == State.LITERAL) {
        if (in.readableBytes() < literalEnd) {
          return;
        }
        scanned = (int) literalEnd;
        segmentStart = scanned;
        state = State.LINE;
      }
      int readable = in.readableBytes();
      int lf = in.indexOf(in.readerIndex() + scanned, in.readerIndex() + readable, (byte) '\n');
      if (lf < 0) {
        scanned = readable;
        if (readable - segmentStart > maxLineLength) {
          throw new FrameTooLargeException("line length", readable - segmentStart, maxLineLength);
        }
        return;
      }
      int end = lf - in.readerIndex(); // offset of the LF
      if (end - segmentStart > maxLineLength) {
        throw new FrameTooLargeException("line length", end - segmentStart, maxLineLength);
      }
      long literal = literalAtLineEnd(in, in.readerIndex() + segmentStart, lf);
      if (literal == NO_LITERAL) {
        out.add(in.readRetainedSlice(end + 1));
        reset();
        return; // one command per call: the session may change what it expects next
      }
      boolean synchronizing = literal >= 0;
      long size = synchronizing ? literal : -literal - 1;
      if (size > maxLiteralSize || end + 1 + size > maxCommandSize) {
        long max = size > maxLiteralSize ? maxLiteralSize : maxCommandSize - end - 1;
        if (!synchronizing) {
          throw new FrameTooLargeException(size > maxLiteralSize ? "literal size" : "command size",
              size > maxLiteralSize ? size : end + 1 + size, size > maxLiteralSize ? maxLiteralSize : maxCommandSize);
        }
        String tag = tag(in);
        in.skipBytes(end + 1);
        reset();
        out.add(new LiteralRefused(tag, size, Math.max(0, max)));
        return;
      }
      literalEnd = end + 1 + size;
      state = State.LITERAL;
      if (synchronizing) {
        // Passed on directly: nothing was consumed, which ByteToMessageDecoder forbids for
        // decoded messages. Order holds: out is empty here (every frame ends a decode call, and
        // the decoder passes on what a call produced before calling again).
        ctx.fireChannelRead(CONTINUE);
      }
    }
  }

  /** Octets held for a command not yet complete (0 between commands). */
  int buffered() {
    return actualReadableBytes();
  }

  private void reset() {
    state = State.LINE;
    scanned = 0;
    segmentStart = 0;
    literalEnd = 0;
  }

  private static final long NO_LITERAL = Long.MIN_VALUE;

  /**
   * For a line ending in {@code {n}} the size n (synchronizing), for {@code {n+}} the value
   * {@code -n-1}, else {@link #NO_LITERAL}. The digits are counted before they are parsed.
   */
  private static long literalAtLineEnd(ByteBuf in, int lineStart, int lf) {
    int i = lf - 1;
    if (i >= lineStart && in.getByte(i) == '\r') {
      i--;
    }
    if (i < lineStart || in.getByte(i) != '}') {
      return NO_LITERAL;
    }
    i--;
    boolean plus = i >= lineStart && in.getByte(i) == '+';
    if (plus) {
      i--;
    }
    int digitsEnd = i;
    while (i >= lineStart && in.getByte(i) >= '0' && in.getByte(i) <= '9') {
      i--;
    }
    int digits = digitsEnd - i;
    if (digits == 0 || i < lineStart || in.getByte(i) != '{') {
      return NO_LITERAL;
    }
    if (digits > 10) {
      // Too long to be any literal we accept; Long.MAX_VALUE trips every size check.
      return plus ? -Long.MAX_VALUE : Long.MAX_VALUE - 1;
    }
    long n = 0;
    for (int k = i + 1; k <= digitsEnd; k++) {
      n = n * 10 + (in.getByte(k) - '0');
    }
    return plus ? -n - 1 : n;
  }

  /** The command's tag (its first word), for the BAD that refuses a literal. */
  private static String tag(ByteBuf in) {
    int max = Math.min(in.readableBytes(), 64);
    int sp = in.indexOf(in.readerIndex(), in.readerIndex() + max, (byte) ' ');
    return sp <= in.readerIndex() ? "*" : in.toString(in.readerIndex(), sp - in.readerIndex(), StandardCharsets.US_ASCII);
  }
}

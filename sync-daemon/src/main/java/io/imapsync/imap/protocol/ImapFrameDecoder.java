package io.imapsync.imap.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames the server's byte stream into whole responses: one line, and for every {@code {n}} or
 * {@code ~{n}} at a line's end, the n literal octets and the line that continues after them. Each
 * frame is emitted as one retained {@link ByteBuf} slice holding the response byte for byte
 * (CRLFs included), so the grammar parser never sees a partial response and literal bytes are
 * never decoded through a charset.
 *
 * <p>An explicit state machine: {@link State#LINE} scans for LF from where the last call stopped
 * (so a response trickling in byte by byte costs O(n), not O(n^2)); {@link State#LITERAL} waits
 * until the declared octets are buffered. Every bound of {@link ImapLimits} is checked before
 * memory is committed to it; a violation throws {@link ImapLimitExceededException} and the decoder
 * discards what it holds and everything after, since the stream can no longer be framed. A stream
 * that ends inside a response (unterminated line or literal) yields no frame.
 */
public final class ImapFrameDecoder extends ByteToMessageDecoder {

  private enum State { LINE, LITERAL, SUSPENDED, FAILED }

  private final ImapLimits limits;
  private State state = State.LINE;
  /** Offset, relative to the reader index, of the first byte not yet scanned. */
  private int scanned;
  /** Offset, relative to the reader index, where the current line (segment) started. */
  private int segmentStart;
  /** Offset, relative to the reader index, just past the literal being awaited. */
  private long literalEnd;
  private int literals;

  public ImapFrameDecoder(ImapLimits limits) {
    this.limits = limits;
  }

  public ImapFrameDecoder() {
    this(ImapLimits.DEFAULTS);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (true) {
      switch (state) {
        case FAILED -> {
          in.skipBytes(in.readableBytes());
          return;
        }
        case SUSPENDED -> {
          return; // bytes stay buffered until resume() or takeBuffered()
        }
        case LITERAL -> {
          if (in.readableBytes() < literalEnd) {
            return;
          }
          scanned = (int) literalEnd;
          segmentStart = scanned;
          state = State.LINE;
        }
        case LINE -> {
          ByteBuf frame = scanLine(in);
          if (frame == null) {
            if (state == State.LINE) {
              return; // need more bytes
            }
            continue; // switched to LITERAL
          }
          // One frame per call: ByteToMessageDecoder hands it on before decoding further, so
          // the session can suspend() framing after a tagged OK to STARTTLS or COMPRESS.
          out.add(frame);
          return;
        }
      }
    }
  }

  /** Returns a complete frame, or null when more input is needed or a literal follows. */
  private ByteBuf scanLine(ByteBuf in) {
    int base = in.readerIndex();
    int readable = in.readableBytes();
    int lf = in.indexOf(base + scanned, base + readable, (byte) '\n');
    if (lf < 0) {
      scanned = readable;
      checkSegment(in, readable); // fail as soon as a bound is crossed, before buffering more
      return null;
    }
    int lineEnd = lf - base + 1; // relative, just past LF
    checkSegment(in, lineEnd);
    long literalSize = literalSizeAtEndOfLine(in, base + segmentStart, lf);
    if (literalSize >= 0) {
      literals++;
      if (literals > limits.maxLiteralsPerResponse()) {
        fail(in, new ImapLimitExceededException(
            "literals per response", literals, limits.maxLiteralsPerResponse()));
      }
      if (literalSize > limits.maxLiteralSize()) {
        fail(in, new ImapLimitExceededException("literal size", literalSize, limits.maxLiteralSize()));
      }
      literalEnd = lineEnd + literalSize;
      if (literalEnd > limits.maxResponseSize()) {
        fail(in, new ImapLimitExceededException("response size", literalEnd, limits.maxResponseSize()));
      }
      state = State.LITERAL;
      return null;
    }
    ByteBuf frame = in.readRetainedSlice(lineEnd);
    scanned = 0;
    segmentStart = 0;
    literals = 0;
    return frame;
  }

  /**
   * Checks the line segment [segmentStart, segmentEnd) against the line bound, and the response
   * so far against the response bound (the line after the last literal counts too).
   */
  private void checkSegment(ByteBuf in, int segmentEnd) {
    int length = segmentEnd - segmentStart;
    if (length > limits.maxLineLength()) {
      fail(in, new ImapLimitExceededException("line length", length, limits.maxLineLength()));
    }
    if (segmentEnd > limits.maxResponseSize()) {
      fail(in, new ImapLimitExceededException("response size", segmentEnd, limits.maxResponseSize()));
    }
  }

  /**
   * If the line [start, lf] ends with {@code {digits}} (optionally {@code ~{digits}}) before CRLF,
   * returns the declared size; otherwise -1. Digits are counted before they are parsed, so a
   * declared 10^30 is reported, never overflowed.
   */
  private long literalSizeAtEndOfLine(ByteBuf in, int start, int lf) {
    int end = lf; // exclusive
    if (end > start && in.getByte(end - 1) == '\r') {
      end--;
    }
    if (end - start < 3 || in.getByte(end - 1) != '}') {
      return -1;
    }
    int i = end - 2;
    while (i >= start && isDigit(in.getByte(i))) {
      i--;
    }
    int digits = end - 2 - i;
    if (digits == 0 || i < start || in.getByte(i) != '{') {
      return -1;
    }
    if (digits > 18) {
      fail(in, ImapLimitExceededException.ofDigits("literal size", digits, limits.maxLiteralSize()));
    }
    long size = 0;
    for (int j = i + 1; j < end - 1; j++) {
      size = size * 10 + (in.getByte(j) - '0');
    }
    return size;
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  /**
   * Enters {@link State#FAILED} and drops what is buffered now, so the bytes that crossed a bound
   * are freed at once instead of waiting for the next read or the close.
   */
  private void fail(ByteBuf in, ImapLimitExceededException e) {
    state = State.FAILED;
    in.skipBytes(in.readableBytes());
    scanned = 0;
    segmentStart = 0;
    literals = 0;
    throw e;
  }

  /**
   * Stops framing after the frame being delivered: called from the handler of a tagged OK to
   * STARTTLS or COMPRESS, whose following bytes belong to another layer. Must be called on the
   * event loop, between frames.
   */
  public void suspend() {
    if (state != State.FAILED) {
      state = State.SUSPENDED;
    }
  }

  /** Removes and returns whatever is buffered but not yet framed (the caller releases it). */
  public ByteBuf takeBuffered(ChannelHandlerContext ctx) {
    ByteBuf buffered = internalBuffer();
    ByteBuf out = buffered.isReadable() ? buffered.readRetainedSlice(buffered.readableBytes())
        : ctx.alloc().buffer(0);
    reset();
    return out;
  }

  /** Resumes framing at a response boundary. */
  public void resume() {
    if (state == State.SUSPENDED) {
      reset();
      state = State.LINE;
    }
  }

  private void reset() {
    scanned = 0;
    segmentStart = 0;
    literals = 0;
    literalEnd = 0;
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    state = State.FAILED;
  }
}

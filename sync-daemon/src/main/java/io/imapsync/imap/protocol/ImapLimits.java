package io.imapsync.imap.protocol;

/**
 * Every bound the decoder and parser enforce, in one value. A hostile or broken server can make a
 * client allocate whatever it declares; these caps keep each session's memory bounded and make the
 * failure name the bound that was crossed.
 *
 * @param maxLineLength        longest line (between literals), in octets
 * @param maxLiteralSize       largest single literal ({@code {n}} or {@code ~{n}}), in octets
 * @param maxLiteralsPerResponse most literals one response may carry
 * @param maxResponseSize      largest whole response (lines plus literals), in octets
 * @param maxNestingDepth      deepest nesting of parenthesised lists
 */
public record ImapLimits(
    int maxLineLength,
    long maxLiteralSize,
    int maxLiteralsPerResponse,
    long maxResponseSize,
    int maxNestingDepth) {

  /** 64 KiB: Dovecot and Gmail keep response lines far shorter; long ENVELOPEs still fit. */
  public static final int DEFAULT_MAX_LINE_LENGTH = 64 * 1024;
  /** 64 MiB: above the 25-50 MB message caps of the big providers. */
  public static final long DEFAULT_MAX_LITERAL_SIZE = 64L * 1024 * 1024;
  /** A FETCH of ENVELOPE and BODYSTRUCTURE for a rich message uses a few hundred. */
  public static final int DEFAULT_MAX_LITERALS_PER_RESPONSE = 4_096;
  public static final long DEFAULT_MAX_RESPONSE_SIZE = 80L * 1024 * 1024;
  /** BODYSTRUCTURE of a sanely nested message stays well under this. */
  public static final int DEFAULT_MAX_NESTING_DEPTH = 64;

  /** The largest frame a {@code ByteBuf} can hold, with room for offset arithmetic. */
  public static final long MAX_FRAME = Integer.MAX_VALUE - 8;

  public static final ImapLimits DEFAULTS = new ImapLimits(
      DEFAULT_MAX_LINE_LENGTH,
      DEFAULT_MAX_LITERAL_SIZE,
      DEFAULT_MAX_LITERALS_PER_RESPONSE,
      DEFAULT_MAX_RESPONSE_SIZE,
      DEFAULT_MAX_NESTING_DEPTH);

  public ImapLimits {
    if (maxLineLength < 1024) {
      throw new IllegalArgumentException("maxLineLength must be at least 1024, was " + maxLineLength);
    }
    if (maxLiteralSize < 0 || maxLiteralsPerResponse < 0 || maxNestingDepth < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
    if (maxResponseSize < maxLineLength) {
      throw new IllegalArgumentException("maxResponseSize must be at least maxLineLength");
    }
    // A frame is one ByteBuf and the decoder keeps offsets in ints.
    if (maxResponseSize > MAX_FRAME) {
      throw new IllegalArgumentException("maxResponseSize must be at most " + MAX_FRAME + ", was " + maxResponseSize);
    }
  }
}

package io.imapsync.normalize;

import java.io.IOException;
import java.io.InputStream;

/**
 * Byte buffers a normalizing thread reuses from message to message: each message used to
 * allocate a scratch buffer for skipped parts and a fresh array per text part (a third of the
 * normalizer's garbage, JFR). Normalization runs on a small bounded pool, so a few per process.
 */
final class ReadBuffers {
  /** A text buffer grown past this is dropped after use rather than kept by the thread. */
  private static final int KEEP_AT_MOST = 256 * 1024;
  private static final ThreadLocal<ReadBuffers> PER_THREAD = ThreadLocal.withInitial(ReadBuffers::new);

  private final byte[] scratch = new byte[8192];
  private byte[] text = new byte[16 * 1024];

  static ReadBuffers get() {
    return PER_THREAD.get();
  }

  /** For reading and throwing away. */
  byte[] scratch() {
    return scratch;
  }

  /** The bytes of the last {@link #readUpTo}, valid until the next call on this thread. */
  byte[] text() {
    return text;
  }

  /** Reads at most {@code limit} bytes of {@code in} into {@link #text()}; returns how many. */
  int readUpTo(InputStream in, int limit) throws IOException {
    if (text.length > KEEP_AT_MOST) {
      text = new byte[16 * 1024];
    }
    int n = 0;
    while (n < limit) {
      if (n == text.length) {
        byte[] bigger = new byte[(int) Math.min(limit, Math.max(16L * 1024, 2L * text.length))];
        System.arraycopy(text, 0, bigger, 0, n);
        text = bigger;
      }
      int r = in.read(text, n, Math.min(text.length, limit) - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }
}

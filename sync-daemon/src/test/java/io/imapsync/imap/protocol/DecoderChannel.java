package io.imapsync.imap.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link EmbeddedChannel} with an {@link ImapFrameDecoder} whose every buffer (input, the
 * decoder's cumulation, frames) comes from one instrumented allocator, so a test can ask how many
 * bytes the pipeline holds right now and prove that nothing is left when it is done. Direct
 * buffers from that allocator are leak-aware, so {@link LeakWatch}'s PARANOID level tracks them.
 */
final class DecoderChannel {
  final UnpooledByteBufAllocator alloc;
  final EmbeddedChannel channel;
  private final List<ByteBuf> handedOut = new ArrayList<>();
  private final boolean direct;

  DecoderChannel(ImapLimits limits, ChannelHandler... after) {
    this(true, limits, after);
  }

  /**
   * @param direct direct buffers are leak-aware (PARANOID tracks them, at a cost); heap buffers
   *     are only counted, which is enough for the thousands of channels of the split tests
   */
  DecoderChannel(boolean direct, ImapLimits limits, ChannelHandler... after) {
    this.direct = direct;
    // leak detection on, cleaner as usual
    this.alloc = new UnpooledByteBufAllocator(direct, false, false);
    this.channel = new EmbeddedChannel();
    channel.config().setAllocator(alloc);
    channel.pipeline().addLast("framer", new ImapFrameDecoder(limits));
    channel.pipeline().addLast(after);
  }

  DecoderChannel() {
    this(ImapLimits.DEFAULTS);
  }

  /** One read of the whole array; returns the frames it completed. */
  List<byte[]> write(byte[] bytes) {
    return write(bytes, 0, bytes.length);
  }

  /** One read of {@code bytes[off, off+len)}; returns the frames it completed, copied and released. */
  List<byte[]> write(byte[] bytes, int off, int len) {
    ByteBuf in = direct ? alloc.directBuffer(Math.max(len, 1)) : alloc.heapBuffer(Math.max(len, 1));
    in.writeBytes(bytes, off, len);
    channel.writeInbound(in);
    return drain();
  }

  /** Frames waiting in the channel, copied out and released. */
  List<byte[]> drain() {
    List<byte[]> frames = new ArrayList<>();
    ByteBuf f;
    while ((f = channel.readInbound()) != null) {
      handedOut.add(f);
      frames.add(ByteBufUtil.getBytes(f));
      f.release();
    }
    return frames;
  }

  /** Octets currently allocated (and not yet freed) by the pipeline and its frames. */
  long bytesHeld() {
    return alloc.metric().usedDirectMemory() + alloc.metric().usedHeapMemory();
  }

  /** Closes the channel and asserts no frame, leftover buffer or allocation survives. */
  void assertClean() {
    assertFalse(channel.finishAndReleaseAll(), "messages left in the channel");
    for (ByteBuf f : handedOut) {
      assertEquals(0, f.refCnt(), "a frame was not released");
    }
    assertEquals(0, bytesHeld(), "octets still allocated after close");
  }
}

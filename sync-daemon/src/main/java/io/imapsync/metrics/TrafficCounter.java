package io.imapsync.metrics;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts the octets every IMAP connection reads and writes, at the socket end of the pipeline (so
 * TLS and COMPRESS overhead is included). One shared instance for all connections: it holds no
 * per-connection state, so an idle connection costs nothing more than its pipeline entry.
 */
@ChannelHandler.Sharable
public final class TrafficCounter extends ChannelDuplexHandler {
  /** The pipeline name; handlers that must sit nearer the socket are added after it. */
  public static final String NAME = "traffic";

  private final Counter in;
  private final Counter out;

  TrafficCounter(Counter in, Counter out) {
    this.in = in;
    this.out = out;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      in.increment(b.readableBytes());
    }
    ctx.fireChannelRead(msg);
  }

  /** Counted when written to the pipeline, not on completion: no listener per write. */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf b) {
      out.increment(b.readableBytes());
    }
    ctx.write(msg, promise);
  }
}

package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.protocol.ImapResponseParser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import java.util.ArrayDeque;

/**
 * Routes framed responses to the {@link ImapSession}: the handler only parses and forwards, the
 * session holds the protocol state. Frames that arrive before the session is attached (a fast
 * greeting) are parsed and held.
 */
final class ImapSessionHandler extends SimpleChannelInboundHandler<ByteBuf> {
  private final ImapResponseParser parser;
  private ImapSession session;
  private boolean greeted;
  private ArrayDeque<ImapResponse> early;
  // The connect listener may attach after the channel already failed or closed (a server that
  // greets with BYE and hangs up at once): the outcome is kept and replayed on attach.
  private Throwable earlyFailure;
  private boolean earlyInactive;
  // Silence detection (SilenceWatch): when bytes last came, and this handler's place in its
  // event loop's list.
  final long silenceNanos;
  private long lastReadNanos;
  private SilenceWatch silenceWatch;
  ImapSessionHandler silencePrev;
  ImapSessionHandler silenceNext;

  ImapSessionHandler(ImapResponseParser parser, java.time.Duration silenceTimeout) {
    this.parser = parser;
    this.silenceNanos = silenceTimeout.toNanos();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    lastReadNanos = System.nanoTime();
    silenceWatch = SilenceWatch.of(ctx.channel().eventLoop());
    silenceWatch.add(this);
    super.channelActive(ctx);
  }

  /** Called by the sweep: nothing read for the silence timeout tells the session (again after each further timeout). */
  void checkSilence(long now) {
    if (now - lastReadNanos >= silenceNanos) {
      lastReadNanos = now;
      if (session != null) {
        session.onSilence();
      }
    }
  }

  private void unwatch() {
    if (silenceWatch != null) {
      silenceWatch.remove(this);
      silenceWatch = null;
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
    unwatch();
    super.handlerRemoved(ctx);
  }

  void attach(ImapSession s) {
    this.session = s;
    if (early != null) {
      ImapResponse r;
      while ((r = early.poll()) != null) {
        deliver(r);
      }
      early = null;
    }
    if (earlyFailure != null) {
      s.onFailure(earlyFailure);
    } else if (earlyInactive) {
      s.onInactive();
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
    ImapResponse r = parser.parse(frame);
    if (session == null) {
      if (early == null) {
        early = new ArrayDeque<>(2);
      }
      early.add(r);
      return;
    }
    deliver(r);
  }

  private void deliver(ImapResponse r) {
    if (!greeted) {
      greeted = true;
      session.onGreeting(r);
    } else {
      session.onResponse(r);
    }
  }

  /**
   * Re-arms TCP_QUICKACK after every read (Linux leaves quick-ack mode on its own): servers that
   * write a response in several small pieces with Nagle on (GreenMail does) otherwise stall each
   * piece ~40 ms waiting for our delayed ACK.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    lastReadNanos = System.nanoTime();
    if (ctx.channel() instanceof EpollSocketChannel epoll && epoll.isActive()) {
      epoll.config().setTcpQuickAck(true);
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    unwatch();
    if (session != null) {
      session.onInactive();
    } else {
      earlyInactive = true;
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (session != null) {
      session.onFailure(cause);
    } else {
      if (earlyFailure == null) {
        earlyFailure = cause;
      }
      ctx.close();
    }
  }
}

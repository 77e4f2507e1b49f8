package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.protocol.ImapResponseParser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
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

  ImapSessionHandler(ImapResponseParser parser) {
    this.parser = parser;
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
    if (ctx.channel() instanceof EpollSocketChannel epoll && epoll.isActive()) {
      epoll.config().setTcpQuickAck(true);
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (session != null) {
      session.onInactive();
    } else {
      earlyInactive = true;
    }
    super.channelInactive(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent && session != null) {
      session.onSilence();
      return;
    }
    super.userEventTriggered(ctx, evt);
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

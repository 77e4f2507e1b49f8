package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapFrameDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Builds a session's pipeline: [tls] → silence detector → framing → session handler. For
 * STARTTLS the tls handler is added later, at the tagged OK; COMPRESS adds inflate/deflate above tls.
 */
final class ImapChannelInitializer extends ChannelInitializer<Channel> {
  private final ImapEndpoint endpoint;
  private final SessionOptions options;
  private final ImapSessionHandler sessionHandler;

  ImapChannelInitializer(ImapEndpoint endpoint, SessionOptions options, ImapSessionHandler sessionHandler) {
    this.endpoint = endpoint;
    this.options = options;
    this.sessionHandler = sessionHandler;
  }

  @Override
  protected void initChannel(Channel ch) {
    if (endpoint.security() == Security.TLS) {
      ch.pipeline().addLast("tls", TlsContexts.newHandler(endpoint, ch.alloc()));
    }
    ch.pipeline().addLast("silence",
        new IdleStateHandler(options.silenceTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    ch.pipeline().addLast("framer", new ImapFrameDecoder(endpoint.limits()));
    ch.pipeline().addLast("session", sessionHandler);
  }
}

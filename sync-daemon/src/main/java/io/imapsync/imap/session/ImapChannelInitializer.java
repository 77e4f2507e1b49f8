package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapFrameDecoder;
import io.imapsync.imap.protocol.ImapResponseParser;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslHandler;

/** Builds a session's pipeline: [TLS] → framing → session handler. */
final class ImapChannelInitializer extends ChannelInitializer<Channel> {
  private final ImapEndpoint endpoint;

  ImapChannelInitializer(ImapEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  protected void initChannel(Channel ch) {
    if (endpoint.security() == Security.TLS) {
      SslHandler ssl = TlsContexts.forEndpoint(endpoint).newHandler(ch.alloc(), endpoint.host(), endpoint.port());
      TlsContexts.verifyHostname(ssl);
      ch.pipeline().addLast("tls", ssl);
    } else if (endpoint.security() == Security.STARTTLS) {
      throw new UnsupportedOperationException("STARTTLS is not supported yet; use TLS (port 993)");
    }
    ch.pipeline().addLast("framer", new ImapFrameDecoder(endpoint.limits()));
    ch.pipeline().addLast("session", new ImapSessionHandler(new ImapResponseParser(endpoint.limits())));
  }
}

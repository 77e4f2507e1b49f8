package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapFrameDecoder;
import io.imapsync.metrics.TrafficCounter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * Builds a session's pipeline: byte counter → [tls] → framing → session handler (which also
 * notices silence, see {@link SilenceWatch}). For STARTTLS the tls handler is added later, at the tagged OK; COMPRESS adds
 * inflate/deflate above tls. The byte counter stays nearest the socket, so it counts wire bytes.
 */
final class ImapChannelInitializer extends ChannelInitializer<Channel> {
  private final ImapEndpoint endpoint;
  private final ImapSessionHandler sessionHandler;
  private final TrafficCounter traffic;

  ImapChannelInitializer(ImapEndpoint endpoint, ImapSessionHandler sessionHandler,
      TrafficCounter traffic) {
    this.endpoint = endpoint;
    this.sessionHandler = sessionHandler;
    this.traffic = traffic;
  }

  @Override
  protected void initChannel(Channel ch) {
    ch.pipeline().addLast(TrafficCounter.NAME, traffic);
    if (endpoint.security() == Security.TLS) {
      ch.pipeline().addLast("tls", TlsContexts.newHandler(endpoint, ch.alloc()));
    }
    ch.pipeline().addLast("framer", new ImapFrameDecoder(endpoint.limits()));
    ch.pipeline().addLast("session", sessionHandler);
  }
}

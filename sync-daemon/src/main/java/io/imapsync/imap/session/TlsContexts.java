package io.imapsync.imap.session;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Client TLS contexts, one per trust configuration (they are costly and shareable). BoringSSL
 * through netty-tcnative when it loads (a third of the JDK engine's memory per connection),
 * the JDK's engine otherwise. Certificates are always verified against the trust store and the
 * host name.
 */
final class TlsContexts {
  private static final Map<String, SslContext> CONTEXTS = new ConcurrentHashMap<>();

  private TlsContexts() {}

  static SslContext forEndpoint(ImapEndpoint endpoint) {
    String key = endpoint.trustedCertificatesPem() == null ? "" : endpoint.trustedCertificatesPem();
    return CONTEXTS.computeIfAbsent(key, k -> {
      try {
        SslContextBuilder b = SslContextBuilder.forClient()
            .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK)
            .endpointIdentificationAlgorithm("HTTPS");
        if (!k.isEmpty()) {
          b.trustManager(new File(k));
        }
        return b.build();
      } catch (SSLException e) {
        throw new IllegalStateException("cannot build TLS context: " + e.getMessage(), e);
      }
    });
  }

  /** A client TLS handler for the endpoint, host name verified (SNI set to the host). */
  static SslHandler newHandler(ImapEndpoint endpoint, io.netty.buffer.ByteBufAllocator alloc) {
    SslHandler ssl = forEndpoint(endpoint).newHandler(alloc, endpoint.host(), endpoint.port());
    verifyHostname(ssl);
    return ssl;
  }

  /** Host name verification on the engine as well, for providers that ignore the builder flag. */
  static void verifyHostname(SslHandler handler) {
    SSLEngine engine = handler.engine();
    SSLParameters p = engine.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(p);
  }
}

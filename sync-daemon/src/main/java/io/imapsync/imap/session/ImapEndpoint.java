package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how to reach one IMAP server.
 *
 * @param trustedCertificatesPem optional PEM file of CA certificates to trust instead of the JDK's
 *     (a private CA in tests); host names are verified either way
 */
public record ImapEndpoint(
    String host,
    int port,
    Security security,
    Duration connectTimeout,
    ImapLimits limits,
    String trustedCertificatesPem) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(15);

  public ImapEndpoint {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(security, "security");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1-65535, was " + port);
    }
    connectTimeout = connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout;
    limits = limits == null ? ImapLimits.DEFAULTS : limits;
  }

  public static ImapEndpoint of(String host, int port, Security security) {
    return new ImapEndpoint(host, port, security, null, null, null);
  }

  @Override
  public String toString() {
    return host + ":" + port + " (" + security + ")";
  }
}

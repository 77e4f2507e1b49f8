package io.imapsync.admin;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where the admin HTTP server (metrics, health) listens. Loopback by default; any other address
 * needs a bearer token, so the endpoint is never open to a network by accident.
 *
 * @param address where to bind (a loopback address unless a token is set)
 * @param port    the port; 0 binds any free port (tests). The CLI's {@code --metrics-port 0} means off instead
 * @param token   required from every client when set; null on loopback means no authentication
 */
public record AdminOptions(InetAddress address, int port, BearerToken token) {
  public static final String DEFAULT_ADDRESS = "127.0.0.1";
  /** Prometheus's registry of default ports lists 9464 for exporters like this one. */
  public static final int DEFAULT_PORT = 9464;

  public AdminOptions {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("metrics port out of range: " + port);
    }
    if (!address.isLoopbackAddress() && token == null) {
      throw new IllegalArgumentException("the metrics endpoint binds to " + address.getHostAddress()
          + ", which is not loopback: it needs a bearer token (--metrics-token-file FILE or " + BearerToken.ENV + ")");
    }
  }

  public static AdminOptions of(String address, int port, BearerToken token) {
    try {
      return new AdminOptions(InetAddress.getByName(address), port, token);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown metrics address " + address);
    }
  }
}

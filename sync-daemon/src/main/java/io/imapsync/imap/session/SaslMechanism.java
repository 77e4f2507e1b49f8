package io.imapsync.imap.session;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The SASL mechanisms we speak (RFC 4616 PLAIN, Google's XOAUTH2, RFC 7628 OAUTHBEARER): each
 * produces its initial response. Credentials live only in the returned bytes and are never logged.
 */
public sealed interface SaslMechanism {

  String name();

  /** The client's initial response, base64-encoded. */
  String initialResponse();

  record Plain(String authorizationId, String user, String password) implements SaslMechanism {
    @Override
    public String name() {
      return "PLAIN";
    }

    @Override
    public String initialResponse() {
      String authz = authorizationId == null ? "" : authorizationId;
      return b64(authz + "\0" + user + "\0" + password);
    }

    @Override
    public String toString() {
      return "Plain[" + user + "]";
    }
  }

  record XOAuth2(String user, String accessToken) implements SaslMechanism {
    @Override
    public String name() {
      return "XOAUTH2";
    }

    @Override
    public String initialResponse() {
      return b64("user=" + user + "\u0001auth=Bearer " + accessToken + "\u0001\u0001");
    }

    @Override
    public String toString() {
      return "XOAuth2[" + user + "]";
    }
  }

  record OAuthBearer(String user, String host, int port, String accessToken) implements SaslMechanism {
    @Override
    public String name() {
      return "OAUTHBEARER";
    }

    @Override
    public String initialResponse() {
      return b64("n,a=" + user.replace("=", "=3D").replace(",", "=2C") + ",\u0001host=" + host
          + "\u0001port=" + port + "\u0001auth=Bearer " + accessToken + "\u0001\u0001");
    }

    @Override
    public String toString() {
      return "OAuthBearer[" + user + "]";
    }
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}

package io.imapsync.sync;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.model.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Asks an HTTP endpoint of the app for a fresh access token: {@code POST URL} with
 * {@code {"account_id": ..., "username": ...}}, answered by {@code {"access_token": "..."}}. HTTPS
 * is required unless the endpoint is on loopback; an optional bearer credential for the endpoint
 * itself comes from the caller (an environment variable, never the command line).
 */
public final class HttpTokenRefresher implements TokenRefresher {
  private final URI endpoint;
  private final String authorization;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  public HttpTokenRefresher(URI endpoint, String authorization) {
    String host = endpoint.getHost() == null ? "" : endpoint.getHost();
    boolean loopback = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1") || host.equals("[::1]");
    if (!"https".equalsIgnoreCase(endpoint.getScheme()) && !(loopback && "http".equalsIgnoreCase(endpoint.getScheme()))) {
      throw new IllegalArgumentException("the token refresh endpoint must be https (plain http only on loopback): " + endpoint);
    }
    this.endpoint = endpoint;
    this.authorization = authorization;
  }

  @Override
  public CompletableFuture<String> refresh(String accountId, String username) {
    String body = Json.MAPPER.createObjectNode().put("account_id", accountId).put("username", username).toString();
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null && !authorization.isBlank()) {
      request.header("Authorization", "Bearer " + authorization);
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
      if (r.statusCode() != 200) {
        throw new IllegalStateException("token refresh for " + accountId + " answered HTTP " + r.statusCode());
      }
      JsonNode token = Json.read(r.body(), JsonNode.class).path("access_token");
      if (!token.isTextual() || token.asText().isBlank()) {
        throw new IllegalStateException("token refresh for " + accountId + " returned no access_token");
      }
      return token.asText();
    });
  }
}

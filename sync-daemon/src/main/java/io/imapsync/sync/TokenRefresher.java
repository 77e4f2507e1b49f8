package io.imapsync.sync;

import java.util.concurrent.CompletableFuture;

/**
 * Gets a new OAuth2 access token for an account whose token the IMAP server rejected. Pluggable:
 * {@link HttpTokenRefresher} asks the app's own service (which holds the refresh tokens and the
 * client secret); tests plug a fake provider in. Tokens are secrets: never log them.
 */
@FunctionalInterface
public interface TokenRefresher {
  CompletableFuture<String> refresh(String accountId, String username);
}

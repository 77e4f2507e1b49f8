package io.imapsync.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.function.Function;

/**
 * The secret an admin client must present as {@code Authorization: Bearer <token>}. Compared in
 * constant time; never printed ({@link #toString} is redacted), so it cannot reach a log.
 */
public final class BearerToken {
  public static final String ENV = "IMAP_SYNC_METRICS_TOKEN";
  /** Short tokens are guessable over a network; 16 characters of a random string are not. */
  public static final int MIN_LENGTH = 16;

  private final byte[] expectedHeader;

  private BearerToken(String token) {
    this.expectedHeader = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  public static BearerToken of(String token) {
    String t = token == null ? "" : token.strip();
    if (t.length() < MIN_LENGTH) {
      throw new IllegalArgumentException("the metrics bearer token must have at least " + MIN_LENGTH + " characters");
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        throw new IllegalArgumentException("the metrics bearer token must not contain spaces or control characters");
      }
    }
    return new BearerToken(t);
  }

  /** The file's content without surrounding white space (a trailing newline is usual). */
  public static BearerToken fromFile(Path file) {
    try {
      return of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the metrics token file " + file + ": " + e.getMessage());
    }
  }

  /** From {@code file} when given, else from {@link #ENV}; null when neither is set. */
  public static BearerToken resolve(Path file, Function<String, String> env) {
    if (file != null) {
      return fromFile(file);
    }
    String value = env.apply(ENV);
    return value == null || value.isBlank() ? null : of(value);
  }

  /** Whether an Authorization header value carries this token. */
  public boolean admits(String authorization) {
    if (authorization == null) {
      return false;
    }
    return MessageDigest.isEqual(expectedHeader, authorization.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "BearerToken[redacted]";
  }
}

package io.imapsync.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 as lower-case hex, for the ids and keys derived from content (message ids, event ids,
 * thread keys). One digest per thread: looking one up ({@code MessageDigest.getInstance}: the
 * provider list, a constructor call by reflection) cost as much as hashing a short key, several
 * times per message.
 */
public final class Sha256 {
  private static final HexFormat HEX = HexFormat.of();
  private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  });

  private Sha256() {}

  /** The whole digest, 64 hex digits. */
  public static String hex(byte[] bytes) {
    return HEX.formatHex(DIGEST.get().digest(bytes));
  }

  /** The first {@code digits} hex digits (even, at most 64) of the digest of {@code s} as UTF-8. */
  public static String hexPrefix(String s, int digits) {
    return hexPrefix(s.getBytes(StandardCharsets.UTF_8), digits);
  }

  /** The first {@code digits} hex digits (even, at most 64) of the digest. */
  public static String hexPrefix(byte[] bytes, int digits) {
    if (digits < 0 || digits > 64 || digits % 2 != 0) {
      throw new IllegalArgumentException("an even number of hex digits up to 64, got " + digits);
    }
    return HEX.formatHex(DIGEST.get().digest(bytes), 0, digits / 2);
  }
}

package io.imapsync.publish;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic event ids: a hash of what changed and where, never of when. A change re-emitted
 * after a crash gets the same id, so consumers drop the copy.
 */
public final class EventIds {
  private EventIds() {}

  public static String of(String type, String accountId, Object... position) {
    StringBuilder sb = new StringBuilder(type).append('\0').append(accountId);
    for (Object p : position) {
      sb.append('\0').append(p);
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
      return "ev_" + HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

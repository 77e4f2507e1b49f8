package io.imapsync.publish;

import io.imapsync.model.Sha256;

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
    return "ev_" + Sha256.hexPrefix(sb.toString(), 24);
  }
}

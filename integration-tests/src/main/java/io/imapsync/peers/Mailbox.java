package io.imapsync.peers;

import java.util.ArrayList;
import java.util.List;

/** One simulator mailbox a peer watches: its user, the loopback address to reach it on, and the login. */
public record Mailbox(String user, String host, int port, String password) {
  /**
   * Users {@code prefix00001}.. spread over 127.0.0.1..127.0.0.{addresses} the way the daemon's
   * benchmark spreads them (user i on address 1 + i % addresses), so every peer meets the same
   * ephemeral port ranges.
   */
  public static List<Mailbox> fleet(int count, String userPrefix, String password, int port, int addresses) {
    List<Mailbox> fleet = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) {
      fleet.add(new Mailbox(String.format("%s%05d", userPrefix, i), "127.0.0." + (1 + (i % addresses)), port, password));
    }
    return fleet;
  }
}

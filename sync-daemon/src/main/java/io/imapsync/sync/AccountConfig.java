package io.imapsync.sync;

import io.imapsync.accounts.AuthKind;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.publish.KeyLayout;
import java.util.Set;

/**
 * One account to sync. The password (or, for {@link AuthKind#OAUTH2}, the access token) is held
 * only here and never printed: {@link #toString()} leaves it out.
 *
 * @param initialSyncLimit how many of the newest messages the first sync of a folder fetches
 */
public record AccountConfig(
    String accountId,
    ImapEndpoint endpoint,
    String username,
    String password,
    String mailbox,
    Set<String> ownAddresses,
    int initialSyncLimit,
    AuthKind auth) {

  public static final int DEFAULT_INITIAL_SYNC_LIMIT = 1_000;

  /** A password account. */
  public AccountConfig(String accountId, ImapEndpoint endpoint, String username, String password, String mailbox,
      Set<String> ownAddresses, int initialSyncLimit) {
    this(accountId, endpoint, username, password, mailbox, ownAddresses, initialSyncLimit, AuthKind.PASSWORD);
  }

  public AccountConfig {
    KeyLayout.checkAccountId(accountId);
    if (username == null || username.isEmpty()) {
      throw new IllegalArgumentException("account " + accountId + ": username is required");
    }
    if (password == null) {
      throw new IllegalArgumentException("account " + accountId + ": password is required");
    }
    mailbox = mailbox == null ? "INBOX" : mailbox;
    ownAddresses = ownAddresses == null ? Set.of() : Set.copyOf(ownAddresses);
    auth = auth == null ? AuthKind.PASSWORD : auth;
    if (initialSyncLimit < 0) {
      throw new IllegalArgumentException("account " + accountId + ": initialSyncLimit must be >= 0");
    }
  }

  @Override
  public String toString() {
    return "AccountConfig[" + accountId + " " + username + " @ " + endpoint + " " + mailbox + "]";
  }
}

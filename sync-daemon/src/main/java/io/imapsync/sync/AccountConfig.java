package io.imapsync.sync;

import io.imapsync.accounts.AuthKind;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.publish.KeyLayout;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One account to sync. The password (or, for {@link AuthKind#OAUTH2}, the access token) is held
 * only here and never printed: {@link #toString()} leaves it out.
 *
 * @param mailboxes        folders to watch: empty = the default set (Inbox, Sent, Drafts, Archive or All
 *                         Mail, Junk, Trash); {@code ["*"]} = every selectable folder (creates, deletes and
 *                         renames followed); else these names, in this order of importance
 * @param initialSyncLimit how many of the newest messages the first sync of a folder fetches
 * @param connectionBudget most connections the account may hold at once (IDLE on the first
 *                         {@code budget - 1} folders, the rest polled on the last connection)
 * @param statusInterval   how often polled folders are checked with STATUS (and folders listed)
 * @param useNotify        use NOTIFY (RFC 5465) when the server offers it: one connection for all folders
 * @param initialSyncDays  the first sync of a folder also stops at messages older than this many days (0 = no limit)
 */
public record AccountConfig(
    String accountId,
    ImapEndpoint endpoint,
    String username,
    String password,
    List<String> mailboxes,
    Set<String> ownAddresses,
    int initialSyncLimit,
    AuthKind auth,
    int connectionBudget,
    Duration statusInterval,
    boolean useNotify,
    int initialSyncDays) {

  public static final int DEFAULT_INITIAL_SYNC_LIMIT = 1_000;
  public static final int DEFAULT_CONNECTION_BUDGET = 2;
  public static final Duration DEFAULT_STATUS_INTERVAL = Duration.ofSeconds(60);
  /** Watch every selectable folder. */
  public static final String ALL_FOLDERS = "*";

  /** A password account watching one folder. */
  public AccountConfig(String accountId, ImapEndpoint endpoint, String username, String password, String mailbox,
      Set<String> ownAddresses, int initialSyncLimit) {
    this(accountId, endpoint, username, password, mailbox, ownAddresses, initialSyncLimit, AuthKind.PASSWORD);
  }

  /** One folder. */
  public AccountConfig(String accountId, ImapEndpoint endpoint, String username, String password, String mailbox,
      Set<String> ownAddresses, int initialSyncLimit, AuthKind auth) {
    this(accountId, endpoint, username, password, List.of(mailbox == null ? "INBOX" : mailbox), ownAddresses,
        initialSyncLimit, auth, DEFAULT_CONNECTION_BUDGET, DEFAULT_STATUS_INTERVAL, true, 0);
  }

  public AccountConfig {
    KeyLayout.checkAccountId(accountId);
    if (username == null || username.isEmpty()) {
      throw new IllegalArgumentException("account " + accountId + ": username is required");
    }
    if (password == null) {
      throw new IllegalArgumentException("account " + accountId + ": password is required");
    }
    mailboxes = mailboxes == null ? List.of() : List.copyOf(mailboxes);
    ownAddresses = ownAddresses == null ? Set.of() : Set.copyOf(ownAddresses);
    auth = auth == null ? AuthKind.PASSWORD : auth;
    if (initialSyncLimit < 0 || initialSyncDays < 0) {
      throw new IllegalArgumentException("account " + accountId + ": initial sync depth must be >= 0");
    }
    if (connectionBudget < 1) {
      throw new IllegalArgumentException("account " + accountId + ": connection budget must be at least 1");
    }
    statusInterval = statusInterval == null ? DEFAULT_STATUS_INTERVAL : statusInterval;
    if (statusInterval.toMillis() < 100) {
      throw new IllegalArgumentException("account " + accountId + ": status interval must be at least 100 ms");
    }
  }

  /** Which folders, as {@link FolderDiscovery} takes them. */
  public boolean watchesAll() {
    return mailboxes.size() == 1 && mailboxes.get(0).equals(ALL_FOLDERS);
  }

  public AccountConfig withMailboxes(List<String> folders) {
    return new AccountConfig(accountId, endpoint, username, password, folders, ownAddresses, initialSyncLimit, auth,
        connectionBudget, statusInterval, useNotify, initialSyncDays);
  }

  public AccountConfig withConnectionBudget(int budget) {
    return new AccountConfig(accountId, endpoint, username, password, mailboxes, ownAddresses, initialSyncLimit, auth,
        budget, statusInterval, useNotify, initialSyncDays);
  }

  public AccountConfig withStatusInterval(Duration interval) {
    return new AccountConfig(accountId, endpoint, username, password, mailboxes, ownAddresses, initialSyncLimit, auth,
        connectionBudget, interval, useNotify, initialSyncDays);
  }

  public AccountConfig withNotify(boolean notify) {
    return new AccountConfig(accountId, endpoint, username, password, mailboxes, ownAddresses, initialSyncLimit, auth,
        connectionBudget, statusInterval, notify, initialSyncDays);
  }

  public AccountConfig withInitialSyncDays(int days) {
    return new AccountConfig(accountId, endpoint, username, password, mailboxes, ownAddresses, initialSyncLimit, auth,
        connectionBudget, statusInterval, useNotify, days);
  }

  /** A legacy constructor shape: no day limit. */
  public AccountConfig(String accountId, ImapEndpoint endpoint, String username, String password, List<String> mailboxes,
      Set<String> ownAddresses, int initialSyncLimit, AuthKind auth, int connectionBudget, Duration statusInterval,
      boolean useNotify) {
    this(accountId, endpoint, username, password, mailboxes, ownAddresses, initialSyncLimit, auth, connectionBudget,
        statusInterval, useNotify, 0);
  }

  @Override
  public String toString() {
    return "AccountConfig[" + accountId + " " + username + " @ " + endpoint + " " + mailboxes + " budget "
        + connectionBudget + "]";
  }
}

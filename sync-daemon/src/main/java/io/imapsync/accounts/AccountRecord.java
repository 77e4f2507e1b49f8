package io.imapsync.accounts;

import io.imapsync.imap.session.Security;
import io.imapsync.publish.KeyLayout;
import java.util.List;
import java.util.Locale;

/**
 * An account as registered in Redis (docs/accounts.md). The secret is held sealed
 * ({@link SecretBox}); this record never carries it in clear, and {@link #toString()} omits it.
 *
 * @param mailboxes        watched folders; empty = the default set (Inbox, Sent, Archive or All Mail, Drafts, Junk, Trash)
 * @param connectionBudget most simultaneous connections for this account
 * @param initialSyncDays  first sync goes back this many days (0 = no day limit)
 * @param initialSyncCount first sync fetches at most this many newest messages per folder (0 = none)
 */
public record AccountRecord(
    String id,
    String host,
    int port,
    Security security,
    String username,
    AuthKind auth,
    String sealedSecret,
    List<String> mailboxes,
    int connectionBudget,
    int initialSyncDays,
    int initialSyncCount,
    List<String> ownAddresses,
    String trustedCaPem,
    boolean paused,
    long createdAt,
    long updatedAt) {

  public static final int DEFAULT_CONNECTION_BUDGET = 2;
  /** Providers cap an account at 10 to 16 connections (FIELD-NOTES). */
  public static final int MAX_CONNECTION_BUDGET = 16;
  public static final int DEFAULT_INITIAL_SYNC_COUNT = 1_000;

  public AccountRecord {
    KeyLayout.checkAccountId(id);
    if (host == null || host.isBlank() || host.length() > 253 || !host.matches("[A-Za-z0-9.:\\[\\]_-]+")) {
      throw new IllegalArgumentException("account " + id + ": host must be a DNS name or IP address, was '" + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("account " + id + ": port must be 1-65535, was " + port);
    }
    if (security == null) {
      throw new IllegalArgumentException("account " + id + ": security is required (TLS, STARTTLS or PLAIN_INSECURE)");
    }
    if (username == null || username.isBlank() || username.length() > 320) {
      throw new IllegalArgumentException("account " + id + ": username is required");
    }
    if (auth == null) {
      throw new IllegalArgumentException("account " + id + ": auth is required (PASSWORD or OAUTH2)");
    }
    if (sealedSecret == null || !sealedSecret.startsWith("v1:")) {
      throw new IllegalArgumentException("account " + id + ": a sealed secret is required");
    }
    if (connectionBudget < 1 || connectionBudget > MAX_CONNECTION_BUDGET) {
      throw new IllegalArgumentException("account " + id + ": connection budget must be 1-" + MAX_CONNECTION_BUDGET
          + ", was " + connectionBudget);
    }
    if (initialSyncDays < 0 || initialSyncCount < 0) {
      throw new IllegalArgumentException("account " + id + ": initial sync depth must be >= 0");
    }
    mailboxes = mailboxes == null ? List.of() : List.copyOf(mailboxes);
    ownAddresses = ownAddresses == null ? List.of()
        : ownAddresses.stream().map(a -> a.toLowerCase(Locale.ROOT)).toList();
    for (String m : mailboxes) {
      if (m.isBlank() || m.length() > 1000 || m.chars().anyMatch(ch -> ch < 0x20)) {
        throw new IllegalArgumentException("account " + id + ": invalid mailbox name");
      }
    }
  }

  public AccountRecord withPaused(boolean p, long now) {
    return new AccountRecord(id, host, port, security, username, auth, sealedSecret, mailboxes, connectionBudget,
        initialSyncDays, initialSyncCount, ownAddresses, trustedCaPem, p, createdAt, now);
  }

  public AccountRecord withSealedSecret(String sealed, long now) {
    return new AccountRecord(id, host, port, security, username, auth, sealed, mailboxes, connectionBudget,
        initialSyncDays, initialSyncCount, ownAddresses, trustedCaPem, paused, createdAt, now);
  }

  @Override
  public String toString() {
    return "AccountRecord[" + id + " " + username + " @ " + host + ":" + port + " " + security + " " + auth
        + (paused ? " paused" : "") + "]";
  }
}

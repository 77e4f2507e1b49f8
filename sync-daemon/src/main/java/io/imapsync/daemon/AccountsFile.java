package io.imapsync.daemon;

import io.imapsync.accounts.AuthKind;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.model.Json;
import io.imapsync.sync.AccountConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the accounts file of {@code imap-sync run}. Passwords are never in the file: each account
 * names the environment variable that holds its password ({@code password_env}). Every mistake is
 * reported with the account and field it concerns.
 */
public final class AccountsFile {
  private AccountsFile() {}

  public static List<AccountConfig> read(Path file, Function<String, String> env) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read accounts file " + file + ": " + e.getMessage());
    }
    JsonNode accounts = root.path("accounts");
    if (!accounts.isArray() || accounts.isEmpty()) {
      throw new IllegalArgumentException(file + ": expected {\"accounts\": [ ... ]} with at least one account");
    }
    List<AccountConfig> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    int i = 0;
    for (JsonNode a : accounts) {
      String where = file + ": accounts[" + i++ + "]";
      String id = text(a, "id", where);
      where += " (" + id + ")";
      if (!ids.add(id)) {
        throw new IllegalArgumentException(where + ": duplicate account id");
      }
      Security security;
      try {
        security = Security.valueOf(a.path("security").asText("TLS").toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": security must be TLS, STARTTLS or PLAIN_INSECURE");
      }
      int port = a.path("port").asInt(security == Security.TLS ? 993 : 143);
      String passwordEnv = text(a, "password_env", where);
      String password = env.apply(passwordEnv);
      if (password == null) {
        throw new IllegalArgumentException(where + ": environment variable " + passwordEnv + " (password_env) is not set");
      }
      Set<String> own = new LinkedHashSet<>();
      for (JsonNode o : a.path("own_addresses")) {
        own.add(o.asText().toLowerCase(Locale.ROOT));
      }
      try {
        List<String> folders = new java.util.ArrayList<>();
        a.path("mailboxes").forEach(m -> folders.add(m.asText()));
        if (folders.isEmpty() && a.hasNonNull("mailbox")) {
          folders.add(a.get("mailbox").asText());
        }
        out.add(new AccountConfig(id,
            new ImapEndpoint(text(a, "host", where), port, security, null, null,
                a.hasNonNull("trusted_ca_pem") ? a.get("trusted_ca_pem").asText() : null),
            text(a, "username", where), password, folders, own,
            a.path("initial_sync_limit").asInt(AccountConfig.DEFAULT_INITIAL_SYNC_LIMIT), AuthKind.PASSWORD,
            a.path("connection_budget").asInt(AccountConfig.DEFAULT_CONNECTION_BUDGET),
            java.time.Duration.ofSeconds(a.path("status_interval_seconds").asLong(60)), a.path("notify").asBoolean(true),
            a.path("initial_sync_days").asInt(0)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage());
      }
    }
    return out;
  }

  private static String text(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(where + ": '" + field + "' is required");
    }
    return v.asText();
  }
}

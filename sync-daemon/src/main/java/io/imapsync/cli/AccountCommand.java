package io.imapsync.cli;

import io.imapsync.accounts.AccountRecord;
import io.imapsync.accounts.AccountRegistry;
import io.imapsync.accounts.AuditLog;
import io.imapsync.accounts.AuthKind;
import io.imapsync.accounts.SecretBox;
import io.imapsync.imap.session.Security;
import io.imapsync.publish.KeyLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code syncctl account ...}: register, change, pause, resume and remove accounts in the Redis
 * registry. Secrets are read from an environment variable or stdin, sealed with
 * IMAP_SYNC_SECRET_KEYS, and never printed. Every change is recorded in the audit list.
 */
@Command(name = "account", mixinStandardHelpOptions = true, description = "Manage the account registry in Redis.",
    subcommands = {AccountCommand.Add.class, AccountCommand.Update.class, AccountCommand.Show.class,
        AccountCommand.ListAccounts.class, AccountCommand.Pause.class, AccountCommand.Resume.class,
        AccountCommand.Remove.class, AccountCommand.RotateSecrets.class, CommandLine.HelpCommand.class})
final class AccountCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Runs an action with the registry and audit log of the deployment named by the options. */
  static <T> T withRegistry(RedisOptions redis, RegistryAction<T> action) throws Exception {
    return redis.withConnection((c, layout) -> action.run(new AccountRegistry(c.sync(), layout), new AuditLog(c.sync(), layout)));
  }

  interface RegistryAction<T> {
    T run(AccountRegistry registry, AuditLog audit) throws Exception;
  }

  /** The fields of add and update; on update, only given ones change. */
  static class Fields {
    @Option(names = "--host") String host;
    @Option(names = "--port") Integer port;
    @Option(names = "--security", description = "TLS (default), STARTTLS or PLAIN_INSECURE.") Security security;
    @Option(names = "--username") String username;
    @Option(names = "--auth", description = "PASSWORD (default) or OAUTH2 (the secret is an access token).") AuthKind auth;
    @Option(names = "--secret-env", description = "Read the password or token from this environment variable.") String secretEnv;
    @Option(names = "--secret-stdin", description = "Read the password or token from the first line of stdin.") boolean secretStdin;
    @Option(names = "--mailbox", description = "A folder to watch (repeat); '*' for every folder; default: Inbox, Sent, Drafts, Archive/All Mail, Junk, Trash.") List<String> mailboxes;
    @Option(names = "--connection-budget", description = "Most simultaneous connections (1-16, default 2).") Integer budget;
    @Option(names = "--initial-sync-days") Integer days;
    @Option(names = "--initial-sync-count") Integer count;
    @Option(names = "--own-address", description = "The account's own address (repeat).") List<String> own;
    @Option(names = "--trusted-ca-pem", description = "PEM file of CAs to trust for this server.") String ca;

    Optional<String> secret() throws IOException {
      if (secretEnv != null && secretStdin) {
        throw new IllegalArgumentException("give the secret with --secret-env or --secret-stdin, not both");
      }
      if (secretEnv != null) {
        String v = System.getenv(secretEnv);
        if (v == null || v.isEmpty()) {
          throw new IllegalArgumentException("environment variable " + secretEnv + " is not set");
        }
        return Optional.of(v);
      }
      if (secretStdin) {
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isEmpty()) {
          throw new IllegalArgumentException("no secret on stdin");
        }
        return Optional.of(line);
      }
      return Optional.empty();
    }

    /**
     * The record these options describe: given fields over {@code old} (update), or over the
     * defaults when {@code old} is null (add). The record's constructor checks every field.
     */
    AccountRecord merge(String id, AccountRecord old, String sealedSecret, long now) {
      Security sec = security != null ? security : old != null ? old.security() : Security.TLS;
      return new AccountRecord(id,
          host != null ? host : old != null ? old.host() : null,
          port != null ? port : old != null ? old.port() : sec == Security.TLS ? 993 : 143,
          sec,
          username != null ? username : old != null ? old.username() : null,
          auth != null ? auth : old != null ? old.auth() : AuthKind.PASSWORD,
          sealedSecret,
          mailboxes != null ? mailboxes : old != null ? old.mailboxes() : List.of(),
          budget != null ? budget : old != null ? old.connectionBudget() : AccountRecord.DEFAULT_CONNECTION_BUDGET,
          days != null ? days : old != null ? old.initialSyncDays() : 0,
          count != null ? count : old != null ? old.initialSyncCount() : AccountRecord.DEFAULT_INITIAL_SYNC_COUNT,
          own != null ? own : old != null ? old.ownAddresses() : List.of(),
          ca != null ? ca : old != null ? old.trustedCaPem() : null,
          old != null && old.paused(),
          old != null ? old.createdAt() : now,
          now);
    }
  }

  static int fail(String message) {
    System.err.println("error: " + message);
    return 2;
  }

  @Command(name = "add", mixinStandardHelpOptions = true, description = "Registers an account.")
  static final class Add implements Callable<Integer> {
    @Parameters(index = "0", description = "Account id (A-Z a-z 0-9 . _ @ + -).") String id;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();
    @CommandLine.ArgGroup(exclusive = false, multiplicity = "1") Fields f = new Fields();

    @Override
    public Integer call() throws Exception {
      try {
        SecretBox box = SecretBox.fromEnvironment(System::getenv);
        String secret = f.secret().orElseThrow(() -> new IllegalArgumentException(
            "a password or token is required: --secret-env VAR or --secret-stdin"));
        AccountRecord r = f.merge(id, null, box.seal(id, secret), System.currentTimeMillis());
        return withRegistry(redis, (registry, audit) -> {
          if (registry.get(id).isPresent()) {
            return fail("account " + id + " exists; use 'syncctl account update'");
          }
          registry.put(r);
          audit.record(AuditLog.currentOperator(), "account add", id, "ok");
          System.out.println("added " + r);
          return 0;
        });
      } catch (IllegalArgumentException e) {
        return fail(e.getMessage());
      }
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true, description = "Changes given fields of an account.")
  static final class Update implements Callable<Integer> {
    @Parameters(index = "0") String id;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();
    @CommandLine.ArgGroup(exclusive = false) Fields f = new Fields();

    @Override
    public Integer call() throws Exception {
      try {
        Optional<String> secret = f == null ? Optional.empty() : f.secret();
        return withRegistry(redis, (registry, audit) -> {
          Optional<AccountRecord> old = registry.get(id);
          if (old.isEmpty()) {
            return fail("no account " + id);
          }
          AccountRecord o = old.get();
          String sealed = secret.isPresent() ? SecretBox.fromEnvironment(System::getenv).seal(id, secret.get())
              : o.sealedSecret();
          AccountRecord r = (f == null ? new Fields() : f).merge(id, o, sealed, System.currentTimeMillis());
          registry.put(r);
          audit.record(AuditLog.currentOperator(), "account update", id, "ok");
          System.out.println("updated " + r);
          return 0;
        });
      } catch (IllegalArgumentException e) {
        return fail(e.getMessage());
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Prints an account (secret never shown) and its sync state.")
  static final class Show implements Callable<Integer> {
    @Parameters(index = "0") String id;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return withRegistry(redis, (registry, audit) -> {
        Optional<AccountRecord> r = registry.get(id);
        if (r.isEmpty()) {
          return fail("no account " + id);
        }
        AccountRecord a = r.get();
        System.out.println("id                 " + a.id());
        System.out.println("server             " + a.host() + ":" + a.port() + " " + a.security());
        System.out.println("username           " + a.username());
        System.out.println("auth               " + a.auth() + " (secret sealed with key " + a.sealedSecret().split(":")[1] + ")");
        System.out.println("mailboxes          " + (a.mailboxes().isEmpty() ? "default set" : String.join(", ", a.mailboxes())));
        System.out.println("connection budget  " + a.connectionBudget());
        System.out.println("initial sync       " + (a.initialSyncDays() > 0 ? a.initialSyncDays() + " days, " : "")
            + a.initialSyncCount() + " newest messages");
        System.out.println("own addresses      " + String.join(", ", a.ownAddresses()));
        System.out.println("paused             " + a.paused());
        return 0;
      });
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists accounts with their sync state.")
  static final class ListAccounts implements Callable<Integer> {
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return redis.withConnection((c, layout) -> {
        AccountRegistry registry = new AccountRegistry(c.sync(), layout);
        System.out.printf("%-24s %-30s %-24s %-12s %s%n", "ACCOUNT", "SERVER", "USERNAME", "STATE", "LAST ERROR");
        for (AccountRecord a : registry.list()) {
          Map<String, String> st = c.sync().hgetall(layout.accountState(a.id()));
          String state = a.paused() ? "paused" : st.getOrDefault("state", "-");
          System.out.printf("%-24s %-30s %-24s %-12s %s%n", a.id(), a.host() + ":" + a.port(), a.username(), state,
              st.getOrDefault("last_error", ""));
        }
        return 0;
      });
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Stops syncing an account (its data stays).")
  static final class Pause implements Callable<Integer> {
    @Parameters(index = "0") String id;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return FleetCommands.withFleet(redis, fleet -> {
        System.out.println(fleet.pause(id));
        return 0;
      });
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resumes a paused account from its checkpoints.")
  static final class Resume implements Callable<Integer> {
    @Parameters(index = "0") String id;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return FleetCommands.withFleet(redis, fleet -> {
        System.out.println(fleet.resume(id));
        return 0;
      });
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Unregisters an account (its mirrored data stays until purged).")
  static final class Remove implements Callable<Integer> {
    @Parameters(index = "0") String id;
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return withRegistry(redis, (registry, audit) -> {
        boolean removed = registry.remove(id);
        audit.record(AuditLog.currentOperator(), "account remove", id, removed ? "ok" : "not found");
        System.out.println(removed ? "removed " + id : "no account " + id);
        return removed ? 0 : 2;
      });
    }
  }

  @Command(name = "rotate-secrets", mixinStandardHelpOptions = true,
      description = "Re-seals every secret under the primary key (the first of IMAP_SYNC_SECRET_KEYS).")
  static final class RotateSecrets implements Callable<Integer> {
    @CommandLine.Mixin RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      try {
        SecretBox box = SecretBox.fromEnvironment(System::getenv);
        return withRegistry(redis, (registry, audit) -> {
          int rotated = 0;
          for (AccountRecord a : registry.list()) {
            if (box.needsRotation(a.sealedSecret())) {
              String clear = box.open(a.id(), a.sealedSecret());
              registry.put(a.withSealedSecret(box.seal(a.id(), clear), a.updatedAt()));
              rotated++;
            }
          }
          audit.record(AuditLog.currentOperator(), "account rotate-secrets", "*", rotated + " re-sealed");
          System.out.println(rotated + " secret(s) re-sealed with key " + box.primaryKeyId());
          return 0;
        });
      } catch (IllegalArgumentException e) {
        return fail(e.getMessage());
      }
    }
  }
}

package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.it.support.RedisFixture;
import io.imapsync.publish.KeyLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code syncctl account ...} and {@code syncctl audit} as an operator runs them: a separate process, real Redis. */
class SyncCtlAccountCliIntegrationTest {
  private static final Path JAR = Path.of("..", "sync-daemon", "target", "imap-sync.jar");
  private RedisFixture redis;
  private String prefix;
  private String key;

  @BeforeEach
  void setUp() {
    redis = RedisFixture.start();
    prefix = RedisFixture.uniquePrefix("cli");
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    key = "k1:" + Base64.getEncoder().encodeToString(k);
  }

  @AfterEach
  void tearDown() {
    redis.deleteKeys(prefix);
    redis.close();
  }

  record Result(int exit, String out, String err) {}

  private Result syncctl(Map<String, String> env, String stdin, String... args) throws IOException, InterruptedException {
    assertTrue(Files.exists(JAR), "build the daemon jar first (mvn package): " + JAR.toAbsolutePath());
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-cp", JAR.toString(), "io.imapsync.cli.SyncCtlCommand"));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--redis-url", redis.url(), "--key-prefix", prefix));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    pb.environment().put("IMAP_SYNC_LOG_LEVEL", "WARN");
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Result(p.exitValue(), out, err);
  }

  @Test
  void operatorRegistersListsPausesAndRemovesAnAccount() throws Exception {
    Map<String, String> env = Map.of("IMAP_SYNC_SECRET_KEYS", key, "DAVE_PW", "tr0ub4dor&3");
    Result add = syncctl(env, null, "account", "add", "dave", "--host", "imap.example.com", "--username",
        "dave@example.com", "--secret-env", "DAVE_PW", "--own-address", "Dave@Example.com");
    assertEquals(0, add.exit(), add.err());
    assertFalse((add.out() + add.err()).contains("tr0ub4dor"), "the secret is never printed");
    String stored = String.join(" ", redis.sync().hgetall(new KeyLayout(prefix, 16).accountConfig("dave")).values());
    assertFalse(stored.contains("tr0ub4dor"), "nor stored in clear");

    Result dup = syncctl(env, null, "account", "add", "dave", "--host", "imap.example.com", "--username", "d",
        "--secret-env", "DAVE_PW");
    assertEquals(2, dup.exit());
    assertTrue(dup.err().contains("account dave exists"), dup.err());

    Result bad = syncctl(env, null, "account", "add", "erin", "--host", "imap.example.com", "--port", "99999",
        "--username", "erin", "--secret-stdin");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("no secret on stdin") || bad.err().contains("port must be 1-65535"), bad.err());

    Result noKey = syncctl(Map.of("DAVE_PW", "x"), null, "account", "add", "erin", "--host", "imap.example.com",
        "--username", "erin", "--secret-env", "DAVE_PW");
    assertEquals(2, noKey.exit());
    assertTrue(noKey.err().contains("IMAP_SYNC_SECRET_KEYS"), "says what to set: " + noKey.err());

    Result viaStdin = syncctl(env, "s3cr3t-token\n", "account", "add", "erin", "--host", "imap.example.org",
        "--username", "erin@example.org", "--auth", "OAUTH2", "--secret-stdin", "--connection-budget", "3");
    assertEquals(0, viaStdin.exit(), viaStdin.err());

    Result list = syncctl(env, null, "account", "list");
    assertTrue(list.out().contains("dave") && list.out().contains("imap.example.com:993"), list.out());
    assertTrue(list.out().contains("erin"), list.out());

    Result show = syncctl(env, null, "account", "show", "dave");
    assertTrue(show.out().contains("dave@example.com") && show.out().contains("dave@example.com"), show.out());
    assertTrue(show.out().contains("sealed with key k1"), show.out());
    assertFalse(show.out().contains("tr0ub4dor"));

    assertEquals(0, syncctl(env, null, "account", "pause", "dave").exit());
    assertTrue(syncctl(env, null, "account", "list").out().lines().anyMatch(l -> l.startsWith("dave") && l.contains("paused")));
    assertEquals(0, syncctl(env, null, "account", "remove", "dave").exit());
    assertFalse(syncctl(env, null, "account", "list").out().contains("dave "));

    Result audit = syncctl(env, null, "audit");
    List<String> lines = audit.out().lines().toList();
    assertTrue(lines.get(0).contains("account remove") && lines.get(0).contains("dave"), audit.out());
    assertTrue(audit.out().contains("account pause") && audit.out().contains("account add"), audit.out());
  }
}

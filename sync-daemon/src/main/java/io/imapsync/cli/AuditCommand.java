package io.imapsync.cli;

import io.imapsync.daemon.RedisUrls;
import io.imapsync.publish.KeyLayout;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code syncctl audit}: the newest ops and support commands, who ran them, and how they ended. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Lists recorded ops and support commands, newest first.")
final class AuditCommand implements Callable<Integer> {
  @Option(names = "--limit", defaultValue = "50") int limit;
  @Option(names = "--redis-url") String redisUrl;
  @Option(names = "--key-prefix", defaultValue = KeyLayout.DEFAULT_PREFIX) String prefix;

  @Override
  public Integer call() {
    KeyLayout layout = new KeyLayout(prefix, 1);
    RedisClient client = RedisClient.create(redisUrl != null ? redisUrl : RedisUrls.fromEnvironment());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      for (StreamMessage<String, String> m : c.sync().xrevrange(layout.audit(), Range.create("-", "+"), Limit.from(limit))) {
        var b = m.getBody();
        System.out.printf("%s  %-28s %-24s %-20s %s%n", Instant.ofEpochMilli(Long.parseLong(b.getOrDefault("at", "0"))),
            b.get("who"), b.get("command"), b.get("target"), b.get("outcome"));
      }
    } finally {
      client.shutdown();
    }
    return 0;
  }
}

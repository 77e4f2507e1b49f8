package io.imapsync.cli;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code syncctl audit}: the newest ops and support commands, who ran them, and how they ended. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Lists recorded ops and support commands, newest first.")
final class AuditCommand implements Callable<Integer> {
  @Option(names = "--limit", defaultValue = "50") int limit;
  @picocli.CommandLine.Mixin RedisOptions redis = new RedisOptions();

  @Override
  public Integer call() throws Exception {
    return redis.withConnection((c, layout) -> {
      for (StreamMessage<String, String> m : c.sync().xrevrange(layout.audit(), Range.create("-", "+"), Limit.from(limit))) {
        var b = m.getBody();
        System.out.printf("%s  %-28s %-24s %-20s %s%n", Instant.ofEpochMilli(Long.parseLong(b.getOrDefault("at", "0"))),
            b.get("who"), b.get("command"), b.get("target"), b.get("outcome"));
      }
      return 0;
    });
  }
}

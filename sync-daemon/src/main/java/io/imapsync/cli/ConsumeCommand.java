package io.imapsync.cli;

import io.imapsync.consumer.FeedConsumer;
import io.imapsync.redis.RedisConnection;
import io.imapsync.consumer.FeedEntry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code syncctl consume}: the runnable example consumer. Joins a consumer group, prints each
 * event as a JSON line and acknowledges it; a second instance with another name shares the work,
 * and a crashed instance's entries are taken over. An app backend does the same with its handler
 * in place of the print.
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
    description = "Example consumer: reads the feed in a consumer group (at least once, deduplicated), prints and acknowledges each event.")
final class ConsumeCommand implements Callable<Integer> {
  @Option(names = "--group", required = true, description = "Consumer group name (one per consuming service).")
  String group;

  @Option(names = "--consumer", required = true, description = "This instance's name; keep it stable across restarts.")
  String consumer;

  @Option(names = "--from-start", description = "A new group starts at the oldest entry.")
  boolean fromStart;

  @Option(names = "--max", defaultValue = "0", description = "Stop after this many events (0: run until Ctrl-C).")
  long max;

  @picocli.CommandLine.Mixin
  RedisOptions redis = new RedisOptions();

  @Override
  public Integer call() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> running.set(false)));
    return redis.withClient((client, layout) -> {
      long handled = 0;
      // On a Redis Cluster each partition is read on its own; the wake-up channels say when.
      try (RedisConnection c = client.connect();
           var pubSub = client.isCluster() ? client.connectPubSub() : null;
           FeedConsumer feed = FeedConsumer.builder(c, layout).wakeUps(pubSub)
               .group(group).consumer(consumer).startFromBeginning(fromStart).build()) {
        while (running.get() && (max == 0 || handled < max)) {
          for (FeedEntry e : feed.poll(Duration.ofSeconds(1))) {
            System.out.println(e.event().toString()); // the application's handler goes here
            System.out.flush();
            feed.ack(e);
            handled++;
          }
        }
      }
      return 0;
    });
  }
}

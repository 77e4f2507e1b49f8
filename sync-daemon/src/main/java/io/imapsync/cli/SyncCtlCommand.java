package io.imapsync.cli;

import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.consumer.StreamWakeups;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/syncctl}: ops and support commands, working through Redis. */
@Command(name = "syncctl", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Ops and support commands for imap-sync.",
    subcommands = {SyncCtlCommand.Tail.class, ConsumeCommand.class, AccountCommand.class, ResyncCommand.class, AuditCommand.class,
        FleetCommands.Nodes.class, FleetCommands.Assignment.class, FleetCommands.Rebalance.class,
        FleetCommands.Drain.class, FleetCommands.Undrain.class, FleetCommands.Forget.class, FleetCommands.Move.class, FleetCommands.Weight.class,
        FleetCommands.Pause.class, FleetCommands.Resume.class,
        CommandLine.HelpCommand.class})
public final class SyncCtlCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new SyncCtlCommand()).execute(args));
  }

  @Command(name = "tail", mixinStandardHelpOptions = true,
      description = "Prints change events live as JSON lines (one event per line).")
  static final class Tail implements Callable<Integer> {
    @Option(names = "--account", description = "Only this account's events.")
    String account;

    @Option(names = "--from-start", description = "Start at the oldest entry instead of now.")
    boolean fromStart;

    @CommandLine.Mixin
    RedisOptions redis = new RedisOptions();

    @Override
    public Integer call() throws Exception {
      return redis.withClient((client, layout) -> {
        // On a Redis Cluster each partition is read on its own; the wake-up channels say when.
        try (var c = client.connect();
             var pubSub = client.isCluster() ? client.connectPubSub() : null;
             StreamWakeups wakeups = pubSub == null ? StreamWakeups.none()
                 : StreamWakeups.subscribe(pubSub, layout.wakeChannels())) {
          StreamTail tail = new StreamTail(c, layout, fromStart, wakeups);
          while (!Thread.currentThread().isInterrupted()) {
            for (FeedEntry e : tail.poll(Duration.ofSeconds(1))) {
              if (account == null || account.equals(e.accountId())) {
                System.out.println(e.event().toString());
                System.out.flush();
              }
            }
          }
        }
        return 0;
      });
    }
  }
}

package io.imapsync.cli;

import io.imapsync.demo.Demo;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Runs the whole path on embedded defaults: embedded Redis (or REDIS_URL), in-process "
        + "GreenMail with demo inboxes, the daemon in IDLE; delivers a reply chain and shows every change "
        + "event and conversation as read back from Redis, then a summary. Nothing to install."})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--json", description = "Print each conversation's full JSON, not just a summary line.")
  boolean json;

  @Option(names = "--messages", defaultValue = "8", description = "How many messages of the chain to deliver (default: ${DEFAULT-VALUE}).")
  int messages;

  @Option(names = "--pause-ms", defaultValue = "300", description = "Pause between deliveries in ms (default: ${DEFAULT-VALUE}).")
  long pauseMs;

  @Option(names = "--verbose", description = "Show the daemon's log.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    Demo demo = new Demo(System.out, json, messages, Duration.ofMillis(pauseMs));
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      demo.interrupt();
      try {
        finished.await(15, TimeUnit.SECONDS); // let the demo print its summary and clean up
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
    });
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return demo.run(verbose);
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running and waits for us
      }
    }
  }
}

package io.imapsync.loadsim;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The simulator as a process: {@code bin/loadsim --mailboxes 100000 --bind 127.0.0.1,127.0.0.2
 * --delivery-rate 200/s}. Standard output carries one JSON object per line (a {@code ready} line
 * once listening, {@code stats} lines, answers to control commands), so a benchmark can drive it;
 * human-readable logs go to standard error. With {@code --control-stdin}, commands read from
 * standard input (one per line) drop connections, stall users, deliver, and so on; see
 * docs/loadsim.md.
 */
@Command(name = "loadsim", mixinStandardHelpOptions = true, sortOptions = false,
    description = "IMAP load simulator: many mailboxes, scripted deliveries and flag changes, pushed to IDLE.")
public final class LoadSimMain implements Callable<Integer> {
  @Option(names = "--mailboxes", defaultValue = "1000", description = "Users user00001..userNNNNN, all processes together (default: ${DEFAULT-VALUE}).")
  int mailboxes;

  @Option(names = "--user-prefix", defaultValue = LoadSimConfig.DEFAULT_USER_PREFIX, description = "User name prefix (default: ${DEFAULT-VALUE}).")
  String userPrefix;

  @Option(names = "--password", defaultValue = LoadSimConfig.DEFAULT_PASSWORD, description = "Every user's password (default: ${DEFAULT-VALUE}).")
  String password;

  @Option(names = "--folders", split = ",", defaultValue = "Sent,Archive,Trash",
      description = "Folders besides INBOX; Sent, Drafts, Archive, Trash, Junk get their SPECIAL-USE (default: ${DEFAULT-VALUE}).")
  List<String> folders;

  @Option(names = "--messages", defaultValue = "20", description = "Initial messages in INBOX (default: ${DEFAULT-VALUE}).")
  int inboxMessages;

  @Option(names = "--other-messages", defaultValue = "5", description = "Initial messages in each other folder (default: ${DEFAULT-VALUE}).")
  int otherMessages;

  @Option(names = "--port", defaultValue = "1143", description = "Port on every bind address; 0 picks one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--bind", split = ",", defaultValue = "127.0.0.1",
      description = "Addresses to listen on, same port each (default: ${DEFAULT-VALUE}).")
  List<String> bind;

  @Option(names = "--bind-count", description = "Listen on 127.0.0.1 .. 127.0.0.K instead of --bind.")
  Integer bindCount;

  @Option(names = "--delivery-rate", defaultValue = "0", description = "Scheduled deliveries, e.g. 200/s, 600/m (all processes together).")
  String deliveryRate;

  @Option(names = "--flag-rate", defaultValue = "0", description = "Scheduled flag changes, e.g. 50/s.")
  String flagRate;

  @Option(names = "--expunge-rate", defaultValue = "0", description = "Scheduled expunges, e.g. 1/s.")
  String expungeRate;

  @Option(names = "--arrivals", defaultValue = "UNIFORM", description = "UNIFORM or POISSON (default: ${DEFAULT-VALUE}).")
  LoadSimConfig.Arrivals arrivals;

  @Option(names = "--duration", description = "How long the schedule runs, e.g. 90s, 10m, PT1H (default: until exit).")
  String duration;

  @Option(names = "--exit-after", description = "Exit after this long, e.g. 15m (default: until killed or 'quit').")
  String exitAfter;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the population and the schedule (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--start-at", description = "Start of the schedule, epoch millis or ISO instant; give all processes the same (default: now).")
  String startAt;

  @Option(names = "--process-index", defaultValue = "0", description = "This process's index, 0..count-1 (default: ${DEFAULT-VALUE}).")
  int processIndex;

  @Option(names = "--process-count", defaultValue = "1", description = "Processes sharing the population (default: ${DEFAULT-VALUE}).")
  int processCount;

  @Option(names = "--io-threads", description = "Event loop threads (default: cores).")
  Integer ioThreads;

  @Option(names = "--corpus", description = "Serve the messages of this directory (.eml files, maildir entries, mbox files) instead of generated ones.")
  Path corpus;

  @Option(names = "--changes-log", description = "Append every change here, one tab-separated line each (flushed every second).")
  Path changesLog;

  @Option(names = "--stats-every", defaultValue = "10s", description = "Print a stats line this often; 0 for never (default: ${DEFAULT-VALUE}).")
  String statsEvery;

  @Option(names = "--tls-keystore", description = "Serve implicit TLS (IMAPS) with the key and certificate in this PKCS12 file.")
  Path tlsKeystore;

  @Option(names = "--tls-password", defaultValue = "", description = "Password of --tls-keystore.")
  String tlsPassword;

  @Option(names = "--control-stdin", description = "Read control commands from standard input (see docs/loadsim.md).")
  boolean controlStdin;

  private final PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);

  /** A server TLS context from a PKCS12 key store (OpenSSL's engine when Netty has it: less memory per connection). */
  static io.netty.handler.ssl.SslContext serverTls(Path keystore, char[] password) throws Exception {
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keystore)) {
      ks.load(in, password);
    }
    javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    return io.netty.handler.ssl.SslContextBuilder.forServer(kmf).build();
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadSimMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    List<String> addresses = bind;
    if (bindCount != null) {
      if (bindCount < 1 || bindCount > 254) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--bind-count must be 1 to 254");
      }
      addresses = new ArrayList<>();
      for (int i = 1; i <= bindCount; i++) {
        addresses.add("127.0.0." + i);
      }
    }
    BufferedWriter log = changesLog == null ? null : Files.newBufferedWriter(changesLog, StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    LoadSimConfig.Builder b = LoadSimConfig.builder()
        .tls(tlsKeystore == null ? null : serverTls(tlsKeystore, tlsPassword.toCharArray()))
        .mailboxes(mailboxes)
        .userPrefix(userPrefix)
        .password(password)
        .folders(folders.stream().filter(f -> !f.isBlank()).map(FolderSpec::of).toList())
        .inboxMessages(inboxMessages)
        .otherFolderMessages(otherMessages)
        .port(port)
        .bindAddresses(addresses)
        .deliveryRate(rate(deliveryRate))
        .flagRate(rate(flagRate))
        .expungeRate(rate(expungeRate))
        .arrivals(arrivals)
        .scheduleDuration(duration == null ? null : duration(duration))
        .seed(seed)
        .startAtMillis(startAt == null ? System.currentTimeMillis() : instant(startAt))
        .process(processIndex, processCount)
        .corpus(corpus);
    if (ioThreads != null) {
      b.ioThreads(ioThreads);
    }
    if (log != null) {
      b.listener(c -> logChange(log, c));
    }
    LoadSimulator sim = LoadSimulator.start(b.build());
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sim.close();
      closeQuietly(log);
    }, "loadsim-shutdown"));
    StringBuilder ready = new StringBuilder("{\"type\":\"ready\",\"port\":").append(sim.port()).append(",\"addresses\":[");
    for (int i = 0; i < sim.boundAddresses().size(); i++) {
      ready.append(i == 0 ? "" : ",").append('"').append(sim.boundAddresses().get(i).getAddress().getHostAddress())
          .append(':').append(sim.boundAddresses().get(i).getPort()).append('"');
    }
    ready.append("],\"transport\":\"").append(sim.transport()).append("\",\"mailboxes\":").append(mailboxes)
        .append(",\"processIndex\":").append(processIndex).append(",\"processCount\":").append(processCount)
        .append(",\"startAtMillis\":").append(sim.startAtMillis()).append(",\"seed\":").append(seed)
        .append(",\"firstUser\":\"").append(sim.userName(1)).append("\",\"lastUser\":\"")
        .append(sim.userName(mailboxes)).append("\"}");
    stdout.println(ready);

    Duration every = duration(statsEvery);
    if (!every.isZero()) {
      Thread.ofPlatform().daemon().name("loadsim-stats").start(() -> {
        while (stop.getCount() > 0) {
          try {
            if (stop.await(every.toMillis(), TimeUnit.MILLISECONDS)) {
              return;
            }
          } catch (InterruptedException e) {
            return;
          }
          printStats(sim);
        }
      });
    }
    if (log != null) {
      // Once a second, so a benchmark can read the changes while the run goes on.
      Thread.ofPlatform().daemon().name("loadsim-changes-log").start(() -> {
        try {
          while (!stop.await(1, TimeUnit.SECONDS)) {
            flushQuietly(log);
          }
        } catch (InterruptedException e) {
          // exiting
        }
      });
    }
    if (controlStdin) {
      Thread.ofPlatform().daemon().name("loadsim-control").start(() -> control(sim, stop));
    }
    if (exitAfter != null) {
      stop.await(duration(exitAfter).toMillis(), TimeUnit.MILLISECONDS);
    } else {
      stop.await();
    }
    stop.countDown();
    sim.close();
    closeQuietly(log);
    return 0;
  }

  private void printStats(LoadSimulator sim) {
    var mem = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    String json = sim.stats().toJson();
    stdout.println("{\"type\":\"stats\",\"epochMillis\":" + System.currentTimeMillis() + ",\"heapUsedBytes\":"
        + mem.getUsed() + "," + json.substring(1));
  }

  /** One command per line; each answered with one JSON line. */
  private void control(LoadSimulator sim, CountDownLatch stop) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] w = line.trim().split("\\s+");
        if (w[0].isEmpty()) {
          continue;
        }
        String cmd = w[0].toLowerCase(Locale.ROOT);
        List<String> rest = Arrays.asList(w).subList(1, w.length);
        try {
          String result = switch (cmd) {
            case "stats" -> {
              printStats(sim);
              yield null;
            }
            case "drop" -> {
              sim.dropAllConnections(false);
              yield "dropped";
            }
            case "drop-bye" -> {
              sim.dropAllConnections(true);
              yield "dropped";
            }
            case "refuse-logins" -> {
              sim.refuseLogins(on(rest));
              yield "ok";
            }
            case "refuse-connections" -> {
              sim.refuseConnections(on(rest));
              yield "ok";
            }
            case "silent-accept" -> {
              sim.silentAccept(on(rest));
              yield "ok";
            }
            case "stall" -> {
              sim.stall(rest);
              yield "ok";
            }
            case "blackhole" -> {
              sim.blackhole(rest);
              yield "ok";
            }
            case "release" -> {
              sim.release(rest);
              yield "ok";
            }
            case "deliver" -> {
              Change.Delivered d = sim.deliver(rest.get(0), rest.size() > 1 ? rest.get(1) : "INBOX");
              yield "uid " + d.uid() + " stamp " + d.stampMicros();
            }
            case "reset-high-water" -> {
              sim.resetConnectionHighWater();
              yield "ok";
            }
            case "quit", "exit" -> {
              stop.countDown();
              yield "bye";
            }
            default -> throw new IllegalArgumentException("unknown command " + cmd);
          };
          if (result != null) {
            stdout.println("{\"type\":\"ok\",\"command\":\"" + cmd + "\",\"result\":\"" + result + "\"}");
          }
        } catch (RuntimeException e) {
          String msg = String.valueOf(e.getMessage()).replace("\\", "\\\\").replace("\"", "'");
          stdout.println("{\"type\":\"error\",\"command\":\"" + cmd + "\",\"message\":\"" + msg + "\"}");
        }
      }
    } catch (IOException e) {
      // stdin closed: nothing more to read
    }
  }

  private static boolean on(List<String> rest) {
    if (rest.size() != 1 || !(rest.get(0).equals("on") || rest.get(0).equals("off"))) {
      throw new IllegalArgumentException("say on or off");
    }
    return rest.get(0).equals("on");
  }

  /** kind user folder uid modseq stamp origin [message-id | flags] */
  private static void logChange(BufferedWriter w, Change c) {
    String extra = switch (c) {
      case Change.Delivered d -> d.messageId();
      case Change.FlagsChanged f -> f.flags().stream().map(Flag::imap).sorted().reduce((a, x) -> a + " " + x).orElse("");
      case Change.Expunged e -> "";
    };
    String kind = c instanceof Change.Delivered ? "delivered" : c instanceof Change.FlagsChanged ? "flags" : "expunged";
    String line = kind + '\t' + c.user() + '\t' + c.folder() + '\t' + c.uid() + '\t' + c.modSeq() + '\t'
        + c.stampMicros() + '\t' + c.origin() + '\t' + extra + '\n';
    synchronized (w) {
      try {
        w.write(line);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  private static void flushQuietly(BufferedWriter w) {
    if (w != null) {
      synchronized (w) {
        try {
          w.flush();
        } catch (IOException ignored) {
          // reported when closing
        }
      }
    }
  }

  private static void closeQuietly(BufferedWriter w) {
    if (w != null) {
      synchronized (w) {
        try {
          w.close();
        } catch (IOException e) {
          System.err.println("loadsim: closing the changes log failed: " + e.getMessage());
        }
      }
    }
  }

  /** "200", "200/s", "600/m", "36000/h": events per second. */
  static double rate(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    double per = 1;
    int slash = t.indexOf('/');
    if (slash >= 0) {
      per = switch (t.substring(slash + 1)) {
        case "s", "sec" -> 1;
        case "m", "min" -> 60;
        case "h" -> 3600;
        default -> throw new IllegalArgumentException("rate unit must be /s, /m or /h: " + text);
      };
      t = t.substring(0, slash);
    }
    double v = Double.parseDouble(t);
    if (v < 0 || !Double.isFinite(v)) {
      throw new IllegalArgumentException("rate must not be negative: " + text);
    }
    return v / per;
  }

  /** "90s", "10m", "2h", "500ms", "0", or ISO-8601 ("PT10M"). */
  static Duration duration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    if (t.startsWith("pt") || t.startsWith("p")) {
      return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
    }
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    return switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> throw new IllegalArgumentException("duration must end in ms, s, m or h (or be ISO-8601): " + text);
    };
  }

  /** Epoch millis, or an ISO instant. */
  static long instant(String text) {
    String t = text.trim();
    if (t.chars().allMatch(Character::isDigit)) {
      return Long.parseLong(t);
    }
    try {
      return Instant.parse(t).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("--start-at takes epoch millis or an ISO instant: " + text);
    }
  }
}

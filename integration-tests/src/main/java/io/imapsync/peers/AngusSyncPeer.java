package io.imapsync.peers;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import jakarta.mail.FetchProfile;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.eclipse.angus.mail.imap.IMAPFolder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Angus peer of {@code bench initial-sync --peers}: one folder's every message fetched,
 * parsed and appended to a Redis stream as a JSON document ({@link PeerDocument}), the job of the
 * daemon's initial sync, written the way Jakarta Mail is used well: messages fetched in chunks of
 * {@code --chunk} with one FETCH each for envelope, flags, UID and the whole message
 * ({@code IMAPFolder.FetchProfileItem.MESSAGE}, so no round trip per message), the stream
 * appends pipelined and awaited per chunk. A process of its own: prints {@code started}, then for
 * each {@code sync RUN STREAM} line on standard input one full sync on a fresh connection and a
 * {@code synced} line (or {@code error}); exits on {@code quit} or when standard input closes.
 *
 * <p>{@code java -cp loadsim.jar io.imapsync.peers.AngusSyncPeer --host H --port P --user U
 * --password W --redis-url URL}
 */
@Command(name = "angus-sync-peer", mixinStandardHelpOptions = true,
    description = "Syncs one folder into a Redis stream the way an application on Jakarta Mail would.")
public final class AngusSyncPeer implements Callable<Integer> {
  @Option(names = "--host", required = true)
  String host;

  @Option(names = "--port", required = true)
  int port;

  @Option(names = "--user", required = true)
  String user;

  @Option(names = "--password", required = true)
  String password;

  @Option(names = "--folder", defaultValue = "INBOX")
  String folderName;

  @Option(names = "--redis-url", required = true)
  String redisUrl;

  @Option(names = "--chunk", defaultValue = "500", description = "Messages per FETCH (default: ${DEFAULT-VALUE}).")
  int chunk;

  public static void main(String[] args) {
    System.exit(new CommandLine(new AngusSyncPeer()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    PeerOutput out = new PeerOutput();
    RedisClient client = RedisClient.create(redisUrl);
    try (StatefulRedisConnection<String, String> redis = client.connect();
         BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      out.started("angus", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
      String line;
      while ((line = in.readLine()) != null) {
        String[] words = line.strip().split(" ");
        switch (words[0]) {
          case "sync" -> {
            if (words.length != 3) {
              out.error("usage: sync RUN STREAM");
              continue;
            }
            try {
              long started = System.nanoTime();
              Synced done = syncOnce(redis, words[2]);
              out.synced(words[1], done.messages(), done.bytes(), (System.nanoTime() - started) / 1e9);
            } catch (MessagingException | RuntimeException e) {
              e.printStackTrace();
              out.error("sync " + words[1] + " failed: " + e);
            }
          }
          case "quit" -> {
            return 0;
          }
          case "" -> { }
          default -> out.error("unknown command " + line.strip());
        }
      }
    } finally {
      client.shutdown();
    }
    return 0;
  }

  /** What one sync wrote: messages, and their size as the server counts it (RFC822.SIZE). */
  private record Synced(int messages, long bytes) {}

  /** One full sync on a new connection. */
  private Synced syncOnce(StatefulRedisConnection<String, String> redis, String stream) throws MessagingException {
    Session session = Session.getInstance(AngusConfig.properties());
    session.setDebug(Boolean.getBoolean("mail.debug")); // -Dmail.debug=true shows the protocol on standard error
    session.setDebugOut(System.err);
    int messages = 0;
    long bytes = 0;
    try (Store store = session.getStore("imap")) {
      store.connect(host, port, user, password);
      IMAPFolder folder = (IMAPFolder) store.getFolder(folderName);
      folder.open(Folder.READ_ONLY);
      try {
        Message[] all = folder.getMessages();
        FetchProfile profile = new FetchProfile();
        profile.add(FetchProfile.Item.ENVELOPE);
        profile.add(FetchProfile.Item.FLAGS);
        profile.add(UIDFolder.FetchProfileItem.UID);
        profile.add(IMAPFolder.FetchProfileItem.MESSAGE);
        for (int from = 0; from < all.length; from += chunk) {
          Message[] part = Arrays.copyOfRange(all, from, Math.min(all.length, from + chunk));
          folder.fetch(part, profile);
          List<RedisFuture<String>> appends = new ArrayList<>(part.length);
          for (Message m : part) {
            // The whole message came with the FETCH: the folder's message is already parsed.
            MimeMessage whole = (MimeMessage) m;
            bytes += Math.max(0, whole.getSize());
            appends.add(redis.async().xadd(stream, "message", PeerDocument.of(user, folder.getUID(m), whole, m).toString()));
          }
          if (!LettuceFutures.awaitAll(Duration.ofMinutes(1), appends.toArray(new RedisFuture<?>[0]))) {
            throw new IllegalStateException("Redis did not acknowledge " + appends.size() + " appends within a minute");
          }
          messages += part.length;
        }
      } finally {
        folder.close(false);
      }
    }
    return new Synced(messages, bytes);
  }
}

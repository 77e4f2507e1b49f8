package io.imapsync.peers;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import jakarta.mail.FetchProfile;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.UIDFolder;
import jakarta.mail.internet.MimeMessage;

/**
 * What both Angus peers do with new messages in the full mode ({@code --work full}), the job the
 * daemon does and an application built on Jakarta Mail would: envelope, flags and UID in one
 * FETCH, then each whole message (one BODY[] fetch through the copy constructor), its text and
 * HTML parts read, a JSON document of it ({@link PeerDocument}) appended to a Redis stream. The
 * benchmark's clock stops when its reader gets the entry, as it does for the daemon's events.
 */
final class MessagesToRedis implements Arrivals, AutoCloseable {
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final String stream;

  MessagesToRedis(String redisUrl, String stream) {
    this.client = RedisClient.create(redisUrl);
    this.connection = client.connect(); // thread-safe: shared by every listener
    this.stream = stream;
  }

  @Override
  public void record(String user, Folder folder, Message[] added) throws MessagingException {
    FetchProfile profile = new FetchProfile();
    profile.add(FetchProfile.Item.ENVELOPE);
    profile.add(FetchProfile.Item.FLAGS);
    profile.add(UIDFolder.FetchProfileItem.UID);
    folder.fetch(added, profile);
    for (Message m : added) {
      MimeMessage whole = new MimeMessage((MimeMessage) m);
      connection.sync().xadd(stream, "message", PeerDocument.of(user, ((UIDFolder) folder).getUID(m), whole, m).toString());
    }
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}

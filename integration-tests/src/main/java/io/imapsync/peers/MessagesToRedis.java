package io.imapsync.peers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.model.Json;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import jakarta.mail.Address;
import jakarta.mail.FetchProfile;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.UIDFolder;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;

/**
 * What both Angus peers do with new messages in the full mode ({@code --work full}), the job the
 * daemon does and an application built on Jakarta Mail would: envelope, flags and UID in one
 * FETCH, then each whole message (one BODY[] fetch through the copy constructor), its text and
 * HTML parts read, a JSON document of it appended to a Redis stream. The benchmark's clock stops
 * when its reader gets the entry, as it does for the daemon's events.
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
      ObjectNode doc = Json.MAPPER.createObjectNode();
      doc.put("account", user);
      doc.put("uid", ((UIDFolder) folder).getUID(m));
      doc.put("message_id", whole.getMessageID());
      doc.put("subject", whole.getSubject());
      addresses(doc.putArray("from"), whole.getFrom());
      addresses(doc.putArray("to"), whole.getRecipients(Message.RecipientType.TO));
      addresses(doc.putArray("cc"), whole.getRecipients(Message.RecipientType.CC));
      doc.put("date", whole.getSentDate() == null ? -1 : whole.getSentDate().getTime());
      doc.put("received_at", m.getReceivedDate() == null ? -1 : m.getReceivedDate().getTime());
      doc.put("unread", !m.isSet(Flags.Flag.SEEN));
      StringBuilder text = new StringBuilder();
      StringBuilder html = new StringBuilder();
      ArrayNode attachments = doc.putArray("attachments");
      try {
        collect(whole, text, html, attachments);
      } catch (IOException e) {
        throw new MessagingException("cannot read " + whole.getMessageID(), e);
      }
      doc.put("body_text", text.toString());
      doc.put("body_html", html.toString());
      connection.sync().xadd(stream, "message", doc.toString());
    }
  }

  private static void addresses(ArrayNode into, Address[] addresses) {
    if (addresses != null) {
      for (Address a : addresses) {
        into.add(a.toString());
      }
    }
  }

  private static void collect(Part part, StringBuilder text, StringBuilder html, ArrayNode attachments)
      throws MessagingException, IOException {
    if (part.isMimeType("multipart/*")) {
      Multipart mp = (Multipart) part.getContent();
      for (int i = 0; i < mp.getCount(); i++) {
        collect(mp.getBodyPart(i), text, html, attachments);
      }
    } else if (Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) || part.getFileName() != null) {
      attachments.add(part.getFileName() == null ? part.getContentType() : part.getFileName());
    } else if (part.isMimeType("text/plain")) {
      text.append(part.getContent());
    } else if (part.isMimeType("text/html")) {
      html.append(part.getContent());
    } else if (part.isMimeType("message/rfc822")) {
      attachments.add(part.getContentType());
    }
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}

package io.imapsync.peers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.model.Json;
import jakarta.mail.Address;
import jakarta.mail.Flags;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;

/**
 * The JSON document the Angus peers write per message, the fields the ImapFlow peer writes too:
 * addresses, dates, flags, the text and HTML bodies read from the parsed MIME tree, attachment
 * names. What an application built on Jakarta Mail keeps of a message.
 */
final class PeerDocument {
  private PeerDocument() {}

  /** {@code whole} is the message parsed; {@code fetched} the folder's message (flags, INTERNALDATE). */
  static ObjectNode of(String account, long uid, MimeMessage whole, Message fetched) throws MessagingException {
    ObjectNode doc = Json.MAPPER.createObjectNode();
    doc.put("account", account);
    doc.put("uid", uid);
    doc.put("message_id", whole.getMessageID());
    doc.put("subject", whole.getSubject());
    addresses(doc.putArray("from"), whole.getFrom());
    addresses(doc.putArray("to"), whole.getRecipients(Message.RecipientType.TO));
    addresses(doc.putArray("cc"), whole.getRecipients(Message.RecipientType.CC));
    doc.put("date", whole.getSentDate() == null ? -1 : whole.getSentDate().getTime());
    doc.put("received_at", fetched.getReceivedDate() == null ? -1 : fetched.getReceivedDate().getTime());
    doc.put("unread", !fetched.isSet(Flags.Flag.SEEN));
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
    return doc;
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
}

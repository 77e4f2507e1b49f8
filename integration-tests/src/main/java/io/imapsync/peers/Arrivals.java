package io.imapsync.peers;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;

/** What a peer does with the messages a push announced. */
interface Arrivals {
  void record(String user, Folder folder, Message[] added) throws MessagingException;
}

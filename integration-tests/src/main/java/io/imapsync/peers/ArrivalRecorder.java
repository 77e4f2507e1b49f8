package io.imapsync.peers;

import io.imapsync.loadsim.Stamps;
import jakarta.mail.FetchProfile;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.util.OptionalLong;

/**
 * What both Angus peers do with new messages in the envelope mode ({@code --work envelope}): one FETCH of their envelopes (as ImapFlow fetches
 * the envelope), then each Message-ID's stamp against the clock the simulator stamps with.
 */
final class ArrivalRecorder implements Arrivals {
  private final PeerOutput out;

  ArrivalRecorder(PeerOutput out) {
    this.out = out;
  }

  @Override
  public void record(String user, Folder folder, Message[] added) throws MessagingException {
    FetchProfile envelope = new FetchProfile();
    envelope.add(FetchProfile.Item.ENVELOPE);
    folder.fetch(added, envelope);
    long now = Stamps.nowMicros();
    for (Message m : added) {
      String id = ((MimeMessage) m).getMessageID();
      OptionalLong stamp = Stamps.fromMessageId(id);
      if (stamp.isPresent()) {
        out.delivery(user, id, now - stamp.getAsLong());
      }
    }
  }
}

// The JSON document both ImapFlow peers write per message (peer.mjs for push, sync.mjs for
// initial sync): the fields the Angus peers write (io.imapsync.peers.PeerDocument).
const addresses = list => (list ? list.value.map(a => (a.name ? `${a.name} <${a.address}>` : a.address)) : []);

// `msg` is ImapFlow's fetched message (uid, flags, internalDate), `parsed` mailparser's result.
export function toDocument(account, msg, parsed) {
    return {
        account,
        uid: msg.uid,
        message_id: parsed.messageId,
        subject: parsed.subject,
        from: addresses(parsed.from),
        to: addresses(parsed.to),
        cc: addresses(parsed.cc),
        date: parsed.date ? parsed.date.getTime() : -1,
        received_at: msg.internalDate ? msg.internalDate.getTime() : -1,
        unread: !msg.flags.has('\\Seen'),
        attachments: parsed.attachments.map(a => a.filename || a.contentType),
        body_text: parsed.text || '',
        body_html: parsed.html || ''
    };
}

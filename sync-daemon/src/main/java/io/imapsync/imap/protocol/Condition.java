package io.imapsync.imap.protocol;

/** The condition of a status response (RFC 9051 resp-cond-state, resp-cond-auth, resp-cond-bye). */
public enum Condition {
  OK, NO, BAD, PREAUTH, BYE
}

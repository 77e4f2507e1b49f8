package io.imapsync.imap.session;

/** How the connection is protected. PLAIN_INSECURE exists for loopback tests and must be chosen explicitly. */
public enum Security {
  /** Implicit TLS (port 993). */
  TLS,
  /** STARTTLS upgrade; never falls back to plaintext. */
  STARTTLS,
  /** No encryption at all: tests and local demos only. */
  PLAIN_INSECURE
}

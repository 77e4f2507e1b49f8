package io.imapsync.accounts;

/** How an account authenticates: a password (LOGIN or AUTHENTICATE PLAIN), or an OAuth2 access token (XOAUTH2). */
public enum AuthKind {
  PASSWORD, OAUTH2
}

package io.imapsync.model;

/**
 * One mailbox of an address header.
 *
 * @param name    display name, RFC 2047 decoded, without control characters; null when absent
 * @param address {@code local@domain} with the domain lower-cased, without white space or control
 *                characters; null when the header held only a name
 */
public record EmailAddress(String name, String address) {}

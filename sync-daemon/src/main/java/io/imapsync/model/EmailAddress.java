package io.imapsync.model;

/** One mailbox of an address header; {@code name} may be null, {@code address} is lower-cased only in the domain. */
public record EmailAddress(String name, String address) {}

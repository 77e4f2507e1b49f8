package io.imapsync.model;

/** An attachment's description; its content is never stored. {@code size} is the decoded size in octets. */
public record Attachment(String filename, String contentType, long size, String contentId, boolean inline) {}

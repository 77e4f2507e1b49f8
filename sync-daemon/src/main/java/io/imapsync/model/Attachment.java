package io.imapsync.model;

/**
 * An attachment's description; its content is never stored.
 *
 * @param filename    Content-Disposition filename, else Content-Type name (RFC 2231 and RFC 2047
 *                    decoded, without control or bidi-override characters); null when unnamed
 * @param contentType lower-case {@code type/subtype}
 * @param size        decoded size in octets
 * @param contentId   Content-ID without angle brackets, or null
 * @param inline      shown within the body (an image of a multipart/related, or an unnamed inline
 *                    part) rather than offered as a file
 */
public record Attachment(String filename, String contentType, long size, String contentId, boolean inline) {}

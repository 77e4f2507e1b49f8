package io.imapsync.imap.protocol;

import java.util.List;
import java.util.Set;

/** The bracketed code of a status response (RFC 9051 resp-text-code, plus RFC 7162 and 5465). */
public sealed interface ResponseCode {
  record UidValidity(long value) implements ResponseCode {}
  record UidNext(long value) implements ResponseCode {}
  record HighestModSeq(long value) implements ResponseCode {}
  record NoModSeq() implements ResponseCode {}
  record PermanentFlags(List<String> flags) implements ResponseCode {}
  record ReadOnly() implements ResponseCode {}
  record ReadWrite() implements ResponseCode {}
  /** RFC 4315 COPYUID: source and destination UID sets as sent. */
  record CopyUid(long uidValidity, String sourceUids, String destinationUids) implements ResponseCode {}
  record AppendUid(long uidValidity, String uids) implements ResponseCode {}
  record Closed() implements ResponseCode {}
  record Alert() implements ResponseCode {}
  record Capability(Set<String> capabilities) implements ResponseCode {}
  record TryCreate() implements ResponseCode {}
  record NotificationOverflow() implements ResponseCode {}
  record Unseen(long value) implements ResponseCode {}
  /** Any other code, kept by name with its raw argument text (may be empty). */
  record Other(String name, String argument) implements ResponseCode {}
}

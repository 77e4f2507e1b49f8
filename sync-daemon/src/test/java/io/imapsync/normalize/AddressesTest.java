package io.imapsync.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.model.EmailAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddressesTest {
  private static List<EmailAddress> parse(String v) {
    return Addresses.parse(v, "To", 1000, 320, new Warnings()).addresses();
  }

  private static EmailAddress a(String name, String address) {
    return new EmailAddress(name, address);
  }

  @Test
  void commonForms() {
    assertEquals(List.of(a("John Q. Public", "john@example.com")), parse("John Q. Public <john@Example.COM>"));
    assertEquals(List.of(a("Giant; \"Big\" Box", "sysservices@example.net")),
        parse("\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>"));
    assertEquals(List.of(a(null, "pete@silly.example"), a("Mary Smith", "mary@x.test")),
        parse("pete@silly.example, Mary Smith <mary@x.test>"));
    assertEquals(List.of(a("Mary", "mary@x.test")), parse("mary@x.test (Mary)"));
    assertEquals(List.of(a("Mary", "mary@x.test")), parse("Mary <mary@x.test> (home)"));
    assertEquals(List.of(a("Ed Jones", "ed@x.test"), a(null, "jon@x.test")),
        parse("A Group:Ed Jones <ed@x.test>,jon@x.test;"));
    assertEquals(List.of(a(null, "\"john smith\"@x.test")), parse("\"john smith\"@x.test"));
    assertEquals(List.of(), parse("undisclosed-recipients:;"));
    assertEquals(List.of(a(null, "user@[ipv6:::1]")), parse("user@[IPv6:::1]"));
    assertEquals(List.of(a(null, "c@x.test")), parse("<@r1.test,@r2.test:c@x.test>"));
    assertEquals(List.of(a("Bob", "bob@example.com")), parse("Bob <bob@example.com"));
    assertEquals(List.of(a(null, "MAILER-DAEMON")), parse("MAILER-DAEMON"));
    assertEquals(List.of(a("Just A Name", null)), parse("Just A Name"));
    assertEquals(List.of(a("Ünï Cödé", "u@x.test")), parse("=?utf-8?q?=C3=9Cn=C3=AF?= =?utf-8?q?_C=C3=B6d=C3=A9?= <u@x.test>"));
  }

  @Test
  void groupMembersArePreservedAndTheGroupNameDropped() {
    List<EmailAddress> r = parse("Team: a@x.test, B <b@x.test>;, c@x.test");
    assertEquals(List.of(a(null, "a@x.test"), a("B", "b@x.test"), a(null, "c@x.test")), r);
  }

  @Test
  void unterminatedQuoteAndCommentEndAtTheEnd() {
    Warnings w = new Warnings();
    List<EmailAddress> r = Addresses.parse("\"unterminated <a@b>, c@d", "To", 10, 320, w).addresses();
    assertEquals(List.of(a("unterminated <a@b>, c@d", null)), r);
    assertEquals(List.of("unterminated quoted string in To"), w.toList());
    assertEquals(List.of(a("x", "a@b.test")), parse("a@b.test (x"));
  }

  @Test
  void capStopsTheParse() {
    Addresses.Parsed p = Addresses.parse("a@x, b@x, c@x", "To", 2, 320, new Warnings());
    assertEquals(2, p.addresses().size());
    assertTrue(p.capped());
    assertTrue(!Addresses.parse("a@x, b@x,;", "To", 2, 320, new Warnings()).capped());
  }

  @Test
  void controlAndBidiCharactersNeverReachTheOutput() {
    Warnings w = new Warnings();
    List<EmailAddress> r = Addresses.parse("\"Eve\u202e\u0000\r\nX\" <e\u0007ve@x.test>", "From", 10, 320, w)
        .addresses();
    assertEquals(List.of(a("Eve X", "eve@x.test")), r);
    assertEquals(List.of("control characters removed from a From display name",
        "control characters removed from a From address"), w.toList());
  }

  @Test
  void everyMixOfSpecialCharactersTerminatesWithBoundedOutput() {
    // exhaustive over short strings of the characters the parser branches on
    String alphabet = "\",;:()<>@[]\\ a=?";
    int n = alphabet.length();
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      char[] buf = new char[4];
      for (int x = 0; x < n * n * n * n; x++) {
        int v = x;
        for (int k = 0; k < 4; k++) {
          buf[k] = alphabet.charAt(v % n);
          v /= n;
        }
        String in = new String(buf);
        List<EmailAddress> out = Addresses.parse(in, "To", 1000, 320, new Warnings()).addresses();
        assertTrue(out.size() <= 4, in);
      }
    });
  }

  @Test
  void longNamesAndAddressesAreCut() {
    Warnings w = new Warnings();
    List<EmailAddress> r = Addresses.parse("\"" + "n".repeat(500) + "\" <" + "a".repeat(500) + "@x.test>", "To", 10,
        320, w).addresses();
    assertEquals(320, r.get(0).name().length());
    assertEquals(320, r.get(0).address().length());
    assertEquals(List.of("an address in To is longer than 320 characters; cut"), w.toList());
  }
}

package io.imapsync.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class IdleRenewalsTest {

  @Test
  void exactHostBeatsPatternAndOthersGetTheDefault() {
    IdleRenewals r = new IdleRenewals(Duration.ofMinutes(4))
        .with("*.example.com=PT2M")
        .with("imap.example.com=PT9M")
        .with("imap.gmail.com", Duration.ofMinutes(9));
    assertEquals(Duration.ofMinutes(9), r.forHost("IMAP.example.com"));
    assertEquals(Duration.ofMinutes(2), r.forHost("mx1.example.com"));
    assertEquals(Duration.ofMinutes(9), r.forHost("imap.gmail.com"));
    assertEquals(Duration.ofMinutes(4), r.forHost("outlook.office365.com"));
    assertEquals(Duration.ofMinutes(4), r.forHost("example.com"), "the pattern names subdomains only");
  }

  @Test
  void badSpecificationsSayWhatIsExpected() {
    IdleRenewals r = new IdleRenewals(Duration.ofMinutes(4));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> r.with("imap.gmail.com")).getMessage()
        .contains("HOST=DURATION"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> r.with("imap.gmail.com=9m")).getMessage()
        .contains("ISO-8601"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> r.with("imap.gmail.com=PT30M")).getMessage()
        .contains("29 minutes"));
    assertThrows(IllegalArgumentException.class, () -> new IdleRenewals(Duration.ZERO));
  }
}

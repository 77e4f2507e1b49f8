package io.imapsync.bench;

import java.nio.charset.StandardCharsets;

/**
 * Generated mail for benchmarks: threads of four (a root and three replies with References),
 * a few KB each, plain text with a quoted part and a signature, like ordinary correspondence.
 */
public final class SyntheticMail {
  private SyntheticMail() {}

  public static byte[] message(String account, int n) {
    int thread = (n - 1) / 4;
    int pos = (n - 1) % 4;
    StringBuilder sb = new StringBuilder(3000);
    sb.append("Message-ID: <m").append(n).append('.').append(account).append("@bench.test>\r\n");
    if (pos > 0) {
      sb.append("In-Reply-To: <m").append(n - 1).append('.').append(account).append("@bench.test>\r\n");
      sb.append("References:");
      for (int k = n - pos; k < n; k++) {
        sb.append(" <m").append(k).append('.').append(account).append("@bench.test>");
      }
      sb.append("\r\n");
    }
    sb.append("Date: Tue, 3 Jun 2025 10:").append(String.format("%02d", n % 60)).append(":00 +0000\r\n");
    sb.append("From: Sender ").append(n % 7).append(" <sender").append(n % 7).append("@example.com>\r\n");
    sb.append("To: ").append(account).append(" <").append(account).append("@bench.test>\r\n");
    sb.append("Subject: ").append(pos == 0 ? "" : "Re: ").append("Quarterly planning item ").append(thread).append("\r\n");
    sb.append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    for (int line = 0; line < 30; line++) {
      sb.append("Line ").append(line).append(" of message ").append(n)
          .append(": numbers, owners and dates for the plan, nothing special here.\r\n");
    }
    sb.append("\r\n> quoted text from the previous message\r\n> more quoted text\r\n\r\n-- \r\nSender\r\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}

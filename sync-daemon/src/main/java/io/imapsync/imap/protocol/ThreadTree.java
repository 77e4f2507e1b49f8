package io.imapsync.imap.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * One thread of an RFC 5256 THREAD response, flat: nodes in pre-order, each with the index of its
 * parent (-1 for the root). A node with number 0 is a dummy (a parent the server knows only by
 * reference). Flat so that no recursion is needed to build, walk, print or compare a thread,
 * however deep the server nests it.
 */
public record ThreadTree(List<Node> nodes) {

  /** A message (sequence number or UID, as asked) or, with {@code number} 0, a dummy. */
  public record Node(long number, int parent) {}

  public ThreadTree {
    nodes = List.copyOf(nodes);
  }

  /** The messages of the thread (dummies left out), in pre-order. */
  public List<Long> members() {
    List<Long> out = new ArrayList<>(nodes.size());
    for (Node n : nodes) {
      if (n.number() != 0) {
        out.add(n.number());
      }
    }
    return out;
  }

  /**
   * Parses the text after {@code THREAD}: {@code *(SP thread-list)} (RFC 5256 section 4).
   * <pre>
   * thread-list    = "(" (thread-members / thread-nested) ")"
   * thread-members = nz-number *(SP nz-number) [SP thread-nested]
   * thread-nested  = 2*thread-list
   * </pre>
   * In {@code (3 6 (4 23)(44 7 96))} 6 is the child of 3 and has the children 4 and 44; in
   * {@code ((3)(5))} 3 and 5 are children of a dummy. Iterative; memory is bounded by the line.
   *
   * @throws ImapSyntaxException on anything else
   */
  public static List<ThreadTree> parseAll(String text) {
    List<ThreadTree> out = new ArrayList<>();
    List<Builder> roots = new ArrayList<>();
    List<Frame> stack = new ArrayList<>();
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (c == ' ') {
        i++;
      } else if (c == '(') {
        stack.add(new Frame());
        i++;
      } else if (c == ')') {
        if (stack.isEmpty()) {
          throw syntax("unbalanced ')'", text, i);
        }
        Frame f = stack.remove(stack.size() - 1);
        if (f.first == null) {
          throw syntax("empty thread-list", text, i);
        }
        if (stack.isEmpty()) {
          roots.add(f.first);
        } else {
          Frame p = stack.get(stack.size() - 1);
          if (p.last == null) {
            p.first = new Builder(0); // thread-nested directly inside: a dummy parent
            p.last = p.first;
          }
          p.last.children.add(f.first);
          p.nested = true;
        }
        i++;
      } else if (c >= '0' && c <= '9') {
        if (stack.isEmpty()) {
          throw syntax("number outside a thread-list", text, i);
        }
        int s = i;
        while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
          i++;
        }
        if (i - s > 10) {
          throw syntax("number too long", text, s);
        }
        long num = Long.parseLong(text, s, i, 10);
        if (num == 0) {
          throw syntax("nz-number expected", text, s);
        }
        Frame f = stack.get(stack.size() - 1);
        if (f.nested) {
          throw syntax("number after a nested thread-list", text, s);
        }
        Builder b = new Builder(num);
        if (f.last == null) {
          f.first = b;
        } else {
          f.last.children.add(b);
        }
        f.last = b;
      } else {
        throw syntax("unexpected " + (c < 0x20 || c > 0x7e ? String.format("0x%02x", (int) c) : "'" + c + "'"),
            text, i);
      }
    }
    if (!stack.isEmpty()) {
      throw syntax("unterminated thread-list", text, n);
    }
    for (Builder r : roots) {
      out.add(flatten(r));
    }
    return out;
  }

  private static ThreadTree flatten(Builder root) {
    List<Node> nodes = new ArrayList<>();
    List<Builder> todo = new ArrayList<>();
    List<Integer> parents = new ArrayList<>();
    todo.add(root);
    parents.add(-1);
    while (!todo.isEmpty()) {
      Builder b = todo.remove(todo.size() - 1);
      int parent = parents.remove(parents.size() - 1);
      int index = nodes.size();
      nodes.add(new Node(b.number, parent));
      for (int k = b.children.size() - 1; k >= 0; k--) { // reversed: pre-order keeps sibling order
        todo.add(b.children.get(k));
        parents.add(index);
      }
    }
    return new ThreadTree(nodes);
  }

  private static ImapSyntaxException syntax(String what, String text, int at) {
    return new ImapSyntaxException("THREAD: " + what + " at offset " + at + " in: "
        + Printable.of(text.substring(Math.max(0, at - 40), Math.min(text.length(), at + 40)), 100));
  }

  private static final class Builder {
    final long number;
    final List<Builder> children = new ArrayList<>(2);

    Builder(long number) {
      this.number = number;
    }
  }

  private static final class Frame {
    Builder first;
    Builder last;
    boolean nested;
  }
}

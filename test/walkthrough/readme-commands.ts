/**
 * The `npx durable-agents …` lines of a README's bash blocks, as a user would paste them:
 * continuation lines joined, the comment after `#` dropped, and `[optional]` parts left
 * out (`runnable`), the line as written kept for reports (`text`).
 */
export interface ReadmeCommand {
  text: string;
  runnable: string;
}

export function readmeCommands(readme: string): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  for (const block of readme.matchAll(/```bash\n([\s\S]*?)```/g)) {
    const joined = block[1]!.replace(/\\\n\s*/g, '');
    for (const raw of joined.split('\n')) {
      const text = withoutComment(raw).trim();
      if (!text.startsWith('npx durable-agents')) continue;
      out.push({ text, runnable: text.replace(/\s*\[[^\]"]*\]/g, '').replace(/\s+/g, ' ').trim() });
    }
  }
  return out;
}

/** The line up to a `#` that starts a comment (outside quotes, after a space). */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#' && /\s/.test(line[i - 1] ?? ' ')) {
      return line.slice(0, i);
    }
  }
  return line;
}

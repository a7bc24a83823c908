/** A one-line progress bar on a terminal's stderr; nothing at all when stderr is not a terminal. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): {
  update: (done: number, total: number) => void;
  end: () => void;
} {
  if (!stream.isTTY) return { update: () => {}, end: () => {} };
  let last = 0;
  let drawn = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 20));
      const filled = total === 0 ? width : Math.round((done / total) * width);
      stream.write(`\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write("\r\u001b[2K");
    },
  };
}

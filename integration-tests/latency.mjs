// Latency figures of the browser end-to-end tests and benchmarks (session, anyhost): the median
// and nearest-rank percentiles of a list of milliseconds, and the Markdown table they print,
// each path with its ratio to the run's baseline path (measured in the same run).

/** Nearest-rank percentile `p` (0-100) of `values`. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function median(values) {
  return percentile(values, 50);
}

/**
 * A Markdown table of `rows` ([name, milliseconds[]]): median, p95 and the median's ratio to the
 * median of `baseline` (one of the row names), under the heading `title`.
 */
export function latencyTable(title, rows, baseline) {
  const base = median(rows.find(([name]) => name === baseline)?.[1] ?? [NaN]);
  const lines = rows.map(([name, values]) => `| ${name.padEnd(44)} | ${median(values).toFixed(1).padStart(7)} | ` +
    `${percentile(values, 95).toFixed(1).padStart(7)} | ${(median(values) / base).toFixed(2).padStart(8)} |`);
  return [`# ${title}`,
    "| path                                         |  median |     p95 | x median |",
    "|----------------------------------------------|---------|---------|----------|", ...lines].join("\n");
}

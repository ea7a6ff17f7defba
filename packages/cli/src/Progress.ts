import cliProgress from "cli-progress"

/**
 * A progress bar on stderr for long work, drawn only for a person at a terminal: in pipes, logs and
 * with `--json` it would only add noise, so there every call is a no-op. Lines printed while the bar
 * runs go through `above`, which clears the bar's line first so output and bar never mix.
 */
export class ProgressBar {
  private readonly bar: cliProgress.SingleBar | null

  constructor(enabled: boolean, label: string) {
    this.bar =
      enabled && process.stderr.isTTY === true
        ? new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} (ETA {eta_formatted})`,
              hideCursor: true,
              clearOnComplete: true,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          )
        : null
  }

  start(total: number) {
    this.bar?.start(total, 0)
  }

  update(value: number, total: number) {
    if (this.bar === null) return
    if (total !== this.bar.getTotal()) this.bar.setTotal(total)
    this.bar.update(value)
  }

  /** Writes `line` to stdout above the bar. */
  above(line: string) {
    if (this.bar?.isActive) {
      process.stderr.write("\r\u001b[2K")
      process.stdout.write(`${line}\n`)
      this.bar.render()
    } else process.stdout.write(`${line}\n`)
  }

  stop() {
    if (this.bar?.isActive) this.bar.stop()
  }
}

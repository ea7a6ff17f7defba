import { Errors } from "@oclif/core"
import { ExitCode } from "./Failures.js"

/**
 * Asks each question in turn and reads the answers from the terminal without echoing them.
 * Prompts go to stderr so stdout stays clean for `--json`. Ctrl-C cancels (exit 130), backspace
 * edits, and input typed ahead or pasted in one chunk carries over to the next question.
 */
export const promptHidden = (questions: ReadonlyArray<string>): Promise<ReadonlyArray<string>> =>
  new Promise((resolve, reject) => {
    const input = process.stdin
    const output = process.stderr
    const wasRaw = input.isRaw
    const answers: Array<string> = []
    let current = ""
    const cleanup = () => {
      input.removeListener("data", onData)
      input.setRawMode(wasRaw)
      input.pause()
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          output.write("\n")
          answers.push(current)
          current = ""
          if (answers.length === questions.length) {
            cleanup()
            resolve(answers)
            return
          }
          output.write(questions[answers.length]!)
        } else if (ch === "\u0003") {
          output.write("\n")
          cleanup()
          reject(new Errors.CLIError("Cancelled", { exit: ExitCode.interrupted }))
          return
        } else if (ch === "\u007f" || ch === "\b") current = current.slice(0, -1)
        else if (ch >= " ") current += ch
      }
    }
    // Raw mode before the prompt: anything typed once the prompt shows must not be echoed.
    input.setRawMode(true)
    input.setEncoding("utf8")
    output.write(questions[0] ?? "")
    input.on("data", onData)
    input.resume()
  })

/**
 * The new password from, in order: the flag, a hidden prompt (twice) when stdin is a terminal,
 * or `SRATIX_ADMIN_PASSWORD` for scripts. Fails with a one-line hint when none applies.
 */
export const obtainPassword = async (flag: string | undefined): Promise<string> => {
  if (flag !== undefined) return flag
  if (process.stdin.isTTY) {
    const [first, second] = await promptHidden(["Password: ", "Repeat password: "])
    if (first !== second) throw new Errors.CLIError("The passwords do not match", { exit: ExitCode.invalidInput })
    return first ?? ""
  }
  const fromEnv = process.env.SRATIX_ADMIN_PASSWORD
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv
  throw new Errors.CLIError(
    "No password given: set SRATIX_ADMIN_PASSWORD, pass --password, or run in a terminal to be prompted",
    { exit: ExitCode.invalidInput },
  )
}

// Test harness for the portal suites: a real homework-server child process with its Connect
// listener on a free loopback port, development keys and tokens minted by the real homework-ctl,
// and the typed Connect client over HTTP. Everything lives in a fresh temporary folder; the
// server is stopped by its PID when the test ends.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHomeworkClient, type HomeworkClient } from "../../plugin/web/src/client/homework-client.js";
import { connectTransport } from "../../plugin/web/src/client/connect-transport.js";

/** Paths of the real binaries, from the command line (`--server PATH --ctl PATH`). */
export interface Binaries {
  server: string;
  ctl: string;
  /** Where to put screenshots and other artefacts; created by the caller. */
  outputDir: string;
}

/** Reads `--server`, `--ctl` and `--output` from argv. Exits 2 when one is missing. */
export function binariesFromArgs(argv: string[]): Binaries {
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const server = value("--server");
  const ctl = value("--ctl");
  const outputDir = value("--output") ?? path.join(tmpdir(), "portal-test-output");
  if (!server || !ctl) {
    console.error("usage: <test> --server PATH/homework-server --ctl PATH/homework-ctl [--output DIR]");
    process.exit(2);
  }
  return { server, ctl, outputDir };
}

/** A running homework-server. */
export class ServerProcess {
  readonly connectUrl: string;
  private stderr = "";

  private constructor(private readonly child: ChildProcess, connectPort: number,
                      private readonly dir: string, readonly keyPath: string,
                      private readonly ctl: string) {
    this.connectUrl = `http://127.0.0.1:${connectPort}`;
    child.stderr?.on("data", (chunk: Buffer) => { this.stderr += chunk.toString(); });
  }

  /**
   * Starts the server on an in-memory store; `corsOrigins` may call from pages; `extraArgs` are
   * more server flags (e.g. a short `--flag_escalation_after`).
   */
  static async start(binaries: Binaries, options: { corsOrigins?: string[]; extraArgs?: string[] } = {}): Promise<ServerProcess> {
    const dir = mkdtempSync(path.join(tmpdir(), "homework-portal-"));
    execFileSync(binaries.ctl, ["keygen", "--out_dir", dir, "--kid", "dev-1"], { stdio: "pipe" });
    const portFile = path.join(dir, "port");
    const connectPortFile = path.join(dir, "connect-port");
    const args = [
      "--listen=127.0.0.1:0", `--port_file=${portFile}`,
      "--connect_listen=127.0.0.1:0", `--connect_port_file=${connectPortFile}`,
      `--jwks=${path.join(dir, "jwks.json")}`, "--store=memory:", `--data_dir=${dir}`,
      "--shutdown_grace=2s",
    ];
    if (options.corsOrigins?.length) args.push(`--cors_origins=${options.corsOrigins.join(",")}`);
    args.push(...(options.extraArgs ?? []));
    const child = spawn(binaries.server, args, { stdio: ["ignore", "ignore", "pipe"] });
    let early = "";
    child.stderr?.on("data", (chunk: Buffer) => { early += chunk.toString(); });
    const deadline = Date.now() + 20_000;
    while (!existsSync(connectPortFile)) {
      if (child.exitCode !== null) throw new Error(`homework-server exited ${child.exitCode}: ${early}`);
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`homework-server did not write its Connect port in 20 s: ${early}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const port = Number(readFileSync(connectPortFile, "utf8").trim());
    const server = new ServerProcess(child, port, dir, path.join(dir, "signing-key.pem"), binaries.ctl);
    server.stderr = early;
    return server;
  }

  /** A token for `sub` with `role` in `practice`, minted by homework-ctl. */
  token(sub: string, role: "therapist" | "client" | "service" | "admin", practice = "demo"): string {
    return execFileSync(this.ctl, ["token", "--key", this.keyPath, "--sub", sub, "--role", role,
      "--practice", practice], { encoding: "utf8" }).trim();
  }

  /** A typed stub of HomeworkService calling as the holder of `token`. */
  stub(token: string): HomeworkClient {
    return createHomeworkClient(connectTransport({ baseUrl: this.connectUrl, token: () => token }));
  }

  /** Everything the server wrote on stderr so far (its JSON-lines log). */
  log(): string {
    return this.stderr;
  }

  /** SIGTERM, wait for exit (SIGKILL after 5 s), remove the folder. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

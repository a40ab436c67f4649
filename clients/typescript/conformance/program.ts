// The TypeScript client's conformance program: runs one case of
// conformance/CASES.md against a live server, prints one JSON line of what
// it observed, and exits 0 only when every check passed.
//
//   node dist/conformance/program.js --case lifecycle --target 127.0.0.1:50051 ...
import { parseArgs } from "node:util";
import { type Args, type Case, jsonSafe } from "./common.js";
import { CORE_CASES } from "./core.js";
import { MANAGED_CASES } from "./managed.js";
import { VERIFIER_CASES } from "./verifier.js";

const CASES: Record<string, Case> = { ...CORE_CASES, ...VERIFIER_CASES, ...MANAGED_CASES };
const FLAGS = [
  "case", "target", "api-key", "other-api-key", "revoked-api-key", "tls-target",
  "mtls-target", "ca", "cert", "key", "control", "prefix", "protocol",
] as const;

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(FLAGS.map((f) => [f, { type: "string" as const, default: "" }])),
  });
  const v = (flag: (typeof FLAGS)[number]): string => String(values[flag] ?? "");
  return {
    case: v("case"), target: v("target"), apiKey: v("api-key"), otherApiKey: v("other-api-key"),
    revokedApiKey: v("revoked-api-key"), tlsTarget: v("tls-target"), mtlsTarget: v("mtls-target"),
    ca: v("ca"), cert: v("cert"), key: v("key"), control: v("control"), prefix: v("prefix") || "ts",
    protocol: v("protocol") === "connect" ? "connect" : "grpc",
  };
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const run = CASES[args.case];
  if (run === undefined) {
    console.log(JSON.stringify({ case: args.case, ok: false, error: "not implemented" }));
    return 1;
  }
  try {
    const observed = await run(args);
    console.log(JSON.stringify({ case: args.case, ok: true, ...observed }, jsonSafe));
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.stack : err);
    console.log(JSON.stringify({ case: args.case, ok: false, error: String(err) }));
    return 1;
  }
}

// Exit explicitly: a case that failed midway may leave a stream open.
main().then((code) => process.exit(code));

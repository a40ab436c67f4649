// Bundles the console (src/main.ts and everything it imports, the generated
// stubs in clients/typescript/src/gen included) into one script, and copies
// the page and its stylesheet beside it, into the server package: the server
// serves these files and needs no Node at run time. The output is committed;
// `make lint` regenerates it and fails when it differs.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "server", "sessionauthority_server", "http", "console_assets");

// The stubs live in clients/typescript and would pull that package's copy of
// @bufbuild/protobuf; one copy (this package's, the one connect-web uses)
// keeps the bundle small and the runtime single.
const oneProtobuf = {
  name: "one-protobuf",
  setup(b) {
    b.onResolve({ filter: /^@bufbuild\/protobuf/ }, async (args) => {
      if (args.pluginData === "one-protobuf") return undefined;
      const found = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: here,
        pluginData: "one-protobuf",
      });
      return { path: found.path, errors: found.errors };
    });
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src", "main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  // Whitespace and syntax only: renaming identifiers broke ties differently
  // from one fresh install to the next, and the staleness check compares bytes.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  // Deterministic output: the staleness check compares bytes.
  sourcemap: false,
  outfile: join(out, "console.js"),
  plugins: [oneProtobuf],
  logLevel: "warning",
});
for (const name of readdirSync(join(here, "static"))) {
  copyFileSync(join(here, "static", name), join(out, name));
}

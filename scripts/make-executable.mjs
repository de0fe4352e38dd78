// After the build: the CLI entry must be executable, for `npx orderform` and the package's bin
// link. tsc writes files with the default mode (0644), and `npm ci` links bins before `prepare`
// builds them, so nothing else sets the mode on a fresh clone. No effect on Windows.
import { chmodSync } from "node:fs";

chmodSync(new URL("../dist/cli/main.js", import.meta.url), 0o755);

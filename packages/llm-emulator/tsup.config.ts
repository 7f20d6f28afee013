import { libraryConfig } from "@sluice/tools/tsup";

export default libraryConfig({ entry: ["src/index.ts"], bin: ["src/cli.ts"] });

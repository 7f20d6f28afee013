import { libraryConfig } from "@sluice/tools/tsup";

export default libraryConfig({ entry: { index: "src/index.ts", testing: "src/testing/index.ts" } });

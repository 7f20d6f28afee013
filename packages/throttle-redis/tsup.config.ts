import { libraryConfig } from "@sluice/tools/tsup";

// `testing` starts a private redis-server for tests: other packages' tests import it too.
export default libraryConfig({ entry: { index: "src/index.ts", testing: "src/testing/index.ts" } });
